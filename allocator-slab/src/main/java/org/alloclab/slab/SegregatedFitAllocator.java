package org.alloclab.slab;

import java.util.Set;
import java.util.function.Consumer;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.VirtualMemory;

/**
 * Segregated fit in the manner of tcmalloc: requests up to {@code max-small} bytes are rounded to a size
 * class ({@link SizeClasses}) and served from spans of that class; larger ones get page runs of their own
 * straight from the {@link PageHeap}.
 *
 * <pre>
 *   thread ──▶ thread cache (per class: a stack of addresses, no lock)
 *                 │  empty: pop a batch            ▲ full: push a batch
 *                 ▼                                │
 *              transfer stack (per class, lock-free, at most transfer-bytes)
 *                 │  empty: fill under the class's lock     full: release under it
 *                 ▼
 *              central list (per class: spans with free slots)  ──  empty span ──▶ page heap: decommit
 * </pre>
 *
 * <p>The batch of a class is {@code clamp(batch-bytes / size, 2, 256)} blocks; a thread caches up to
 * {@code max(2 batches, min(cache-bytes / size, 2048))} of a class. A thread cache that fills returns its
 * most recently freed batch: to the class's transfer stack while that holds less than
 * {@code transfer-bytes}, else straight to the spans, which go back to the page heap as they empty. A
 * cache that runs dry takes a batch from the transfer stack, or has one carved from the spans. Without
 * thread caches ({@code thread-cache = false}) every allocation and free takes its class's lock: the
 * configuration the scalability study compares against.
 *
 * <p>A free from a thread other than the one that allocated the block goes into the freeing thread's cache
 * like any other, and from there in batches to the transfer stack: no global lock and no lock of another
 * thread. {@link BatchStack} explains why the transfer stack needs neither epochs nor hazard pointers.
 */
public final class SegregatedFitAllocator extends SlotAllocator<SegregatedFitAllocator.Cache> {

    /** The stable name. */
    public static final String NAME = "segregated-fit";

    /** A thread's cache: one stack of addresses per class, at most two batches high. */
    static final class Cache extends SlotAllocator.Local {
        /** Per class, emptied batch arrays kept for the next spill, so moving batches makes no garbage. */
        final long[][][] spares;
        final int[] spareCount;

        Cache(int[] capacity) {
            items = new long[capacity.length][];
            spares = new long[capacity.length][SPARES][];
            spareCount = new int[capacity.length];
            for (int c = 0; c < capacity.length; c++) {
                items[c] = new long[1 + capacity[c]];
            }
        }
    }

    private static final int SPARES = 8;

    private final SizeClasses classes;
    private final byte[] classOf;          // the classes' lookup table, one load closer
    private final long maxSmall;
    private final boolean threadCaches;
    private final int[] batch;
    private final int[] cacheCapacity;
    private final int[] transferLimit;
    private final BatchStack[] transfer;
    private long transferOverflows;

    SegregatedFitAllocator(VirtualMemory vm, SizeClasses classes, PageHeap heap, boolean threadCaches,
            long batchBytes, long cacheBytes, long transferBytes) {
        super(NAME, Set.of(), vm, heap, pools(classes, heap, vm));
        this.classes = classes;
        this.classOf = classes.lookupTable();
        this.maxSmall = classes.maxSmall;
        this.threadCaches = threadCaches;
        int n = classes.count();
        this.batch = new int[n];
        this.cacheCapacity = new int[n];
        this.transferLimit = new int[n];
        this.transfer = new BatchStack[n];
        for (int c = 0; c < n; c++) {
            int size = classes.sizes[c];
            batch[c] = (int) Math.clamp(batchBytes / size, 2, 256);
            cacheCapacity[c] = threadCaches ? (int) Math.max(2L * batch[c], Math.min(cacheBytes / size, 2048)) : 0;
            transferLimit[c] = (int) Math.min(Integer.MAX_VALUE, transferBytes / ((long) batch[c] * size));
            transfer[c] = new BatchStack();
        }
    }

    private static SlotPool[] pools(SizeClasses classes, PageHeap heap, VirtualMemory vm) {
        SlotPool[] pools = new SlotPool[classes.count()];
        for (int c = 0; c < pools.length; c++) {
            pools[c] = new SlotPool(c, classes.sizes[c], classes.spanPages[c], heap, null, vm.memory());
        }
        return pools;
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        if (size <= maxSmall) {
            int c = alignment <= 8 ? classOf[(int) ((size + 7) >>> 3)] : classes.classOf(size, alignment, heap.pageSize);
            if (c >= 0) {
                return allocateSlot(c, size);
            }
        }
        return allocateLarge(size, alignment);
    }

    @Override
    int poolFor(long size, long alignment) {
        return classes.classOf(size, alignment, heap.pageSize);
    }

    @Override
    Cache newLocal() {
        return new Cache(cacheCapacity);
    }

    @Override
    long takeSlow(Cache t, int c) {
        if (!threadCaches) {
            return pools[c].takeOne();
        }
        long[] cache = t.items[c];
        int n = refill(t, c, cache);
        if (n == 0) {
            return 0;
        }
        cache[0] = n - 1;
        return cache[n];
    }

    private int refill(Cache t, int c, long[] cache) {
        BatchStack.Node node = transfer[c].pop();
        int n;
        if (node != null) {
            n = (int) node.items[0];
            System.arraycopy(node.items, 1, cache, 1, n);
            if (t.spareCount[c] < SPARES) {
                t.spares[c][t.spareCount[c]++] = node.items;   // popped: this thread's alone now
            }
        } else {
            n = pools[c].fill(cache, 1, batch[c]);
        }
        cache[0] = n;
        samplePeak();
        return n;
    }

    @Override
    void giveSlow(Cache t, int c, long address) {
        if (!threadCaches) {                   // their capacity is 0: every free comes here
            pools[c].releaseOne(address);
            return;
        }
        long[] cache = t.items[c];
        int b = batch[c];
        int from = (int) cache[0] - b + 1;     // the top batch spills
        long[] spill = t.spareCount[c] > 0 ? t.spares[c][--t.spareCount[c]] : new long[1 + b];
        spill[0] = b;
        System.arraycopy(cache, from, spill, 1, b);
        if (!transfer[c].push(spill, transferLimit[c])) {
            t.spares[c][t.spareCount[c]++] = spill;
            transferOverflows++;
            pools[c].release(cache, from, b);
        }
        samplePeak();
        cache[from] = address;
        cache[0] = from;
    }

    @Override
    void flush(Cache t) {
        for (int c = 0; c < t.items.length; c++) {
            long[] cache = t.items[c];
            if (cache[0] > 0) {
                pools[c].release(cache, 1, (int) cache[0]);
                cache[0] = 0;
            }
        }
    }

    /** Gives every slot in the calling thread's cache and in the transfer stacks back to the spans. */
    public void trim() {
        ensureOpen();
        flush(local());
        for (int c = 0; c < transfer.length; c++) {
            for (BatchStack.Node n = transfer[c].takeAll(); n != null; n = n.next) {
                pools[c].release(n.items, 1, (int) n.items[0]);
            }
        }
    }

    @Override
    void forEachShared(Consumer<long[]> visitor) {
        for (BatchStack t : transfer) {
            t.forEachAddress(visitor);
        }
    }

    @Override
    void forEachCached(Cache t, Consumer<long[]> visitor) {
        for (long[] cache : t.items) {
            if (cache[0] > 0) {
                visitor.accept(cached(cache));
            }
        }
    }

    @Override
    void clearShared() {
        for (BatchStack t : transfer) {
            t.takeAll();
        }
    }

    @Override
    void dropCached(Cache t) {
        for (long[] cache : t.items) {
            cache[0] = 0;
        }
    }

    @Override
    void addStats(AllocatorStats.Builder b) {
        long batches = 0;
        for (BatchStack t : transfer) {
            batches += t.depth();
        }
        b.count("transfer_batches", batches, "batches waiting in the classes' transfer stacks");
        b.count("transfer_overflows", transferOverflows, "batches that found their transfer stack full and went"
                + " to the spans (racy count)");
        b.count("size_classes", classes.count(), "size classes up to " + classes.maxSmall + " bytes");
    }

    /** The size classes, for tests and reports. */
    int[] classSizes() {
        return classes.sizes.clone();
    }
}
