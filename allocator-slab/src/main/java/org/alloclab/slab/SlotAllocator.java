package org.alloclab.slab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * What the slab and the segregated-fit strategies share: slots of fixed sizes in spans from a
 * {@link PageHeap}, one {@link SlotPool} per size, large blocks as spans of their own, per-thread state,
 * and the checks, walk, verification and statistics over all of it. A subclass supplies the caching layer
 * between a thread and the pools: {@link #take} and {@link #give}.
 *
 * <h2>Threads</h2>
 * Allocation and free are safe from any number of threads. Each thread has its own {@link Local} (its
 * caches and its counters), found through a field that remembers the first thread to use the allocator
 * (one comparison with {@link Thread#currentThread()}) and through a {@link ThreadLocal} for the others.
 * A block freed by a thread that did not allocate it goes into the freeing thread's cache: no lock at all,
 * and never the lock of another thread. {@code stats}, {@code walk}, {@code verify} and {@code reset}
 * read every thread's state: exact when no other thread is allocating or freeing meanwhile, a best-effort
 * snapshot otherwise. The caches of threads that have ended go back to the pools when the next thread
 * registers and on every {@code stats}, {@code walk} and {@code verify}.
 *
 * <h2>Bad frees</h2>
 * The page map finds the span of any address. A free is refused, naming why, when the address is in no
 * span, not at the start of a slot, or at a slot that is not live (freed twice, or cached and never handed
 * out). Two threads freeing the same block at the same instant are a race the checks may miss.
 */
abstract class SlotAllocator<L extends SlotAllocator.Local> extends AbstractAllocator {

    /** A thread's counters; subclasses add its caches. Written only by its thread. */
    /** Padding before a thread state's owner field (superclass fields are laid out first). */
    abstract static class LocalPadBefore {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** The owner, alone on its cache line: other threads read it to find out whose state this is. */
    abstract static class LocalOwner extends LocalPadBefore {
        final Thread thread = Thread.currentThread();
    }

    /** Padding between the owner and the counters its thread writes on every call. */
    abstract static class LocalPadAfter extends LocalOwner {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }

    /**
     * A thread's counters and caches, written by that thread alone. Its owner field sits on a cache line of
     * its own: when a second thread checks whether the first thread's state is its own, it must not pull
     * in the line the first thread writes on every allocation (that false sharing made two threads
     * slower together than one alone).
     */
    abstract static class Local extends LocalPadAfter {
        // live bytes are allocated − freed: two counters, so that an allocation and the free after it do
        // not wait on each other's update of one field
        long allocated;
        long freed;
        long peak;
        long failed;

        long live() {
            return allocated - freed;
        }
        /**
         * The cache in front of each pool: {@code items[c][0]} is how many free slots' addresses follow it,
         * at {@code items[c][1…]}. Segregated fit's thread cache; the slab's loaded magazine. The height
         * travels with the array, so a magazine changes hands whole.
         */
        long[][] items = new long[0][];
    }

    final VirtualMemory vm;
    final Memory memory;
    final PageHeap heap;
    /** Copy-on-write: a slab allocator adds pools as caches are created. */
    volatile SlotPool[] pools;

    private final ThreadLocal<L> perThread = new ThreadLocal<>();
    private L first;                                           // the first thread's state, checked before perThread
    /** Thread states by thread id modulo the length, for threads after the first; a miss goes to perThread. */
    @SuppressWarnings("unchecked")
    private final L[] byThread = (L[]) new Local[64];
    private final List<L> locals = new CopyOnWriteArrayList<>();
    private final AtomicLong sampledPeak = new AtomicLong();
    // counters of threads that have ended and whose caches went back
    private volatile long retiredLive;     // written under this allocator's monitor
    private long retiredFailed;
    private volatile long everRegistered;  // written under this allocator's monitor

    SlotAllocator(String name, Set<Capability> extra, VirtualMemory vm, PageHeap heap, SlotPool[] pools) {
        super(name, with(extra));
        this.vm = vm;
        this.memory = vm.memory();
        this.heap = heap;
        this.pools = pools;
        this.homeMap = heap.home.map;
        this.homeBase = heap.home.base;
        this.homeBytes = heap.home.bytes;
        this.pageShift = heap.pageShift;
    }

    // the page heap's home area, copied here so that finding a span is two loads away
    private final Span[] homeMap;
    private final long homeBase;
    private final long homeBytes;
    private final int pageShift;

    /** The span on the page of {@code address}, or {@code null}. */
    final Span spanOf(long address) {
        long offset = address - homeBase;
        if (Long.compareUnsigned(offset, homeBytes) < 0) {
            return homeMap[(int) (offset >>> pageShift)];
        }
        return heap.spanOf(address);
    }

    /** Adds a pool; its index is its place in {@link #pools}. */
    final synchronized int addPool(java.util.function.IntFunction<SlotPool> make) {
        SlotPool[] grown = Arrays.copyOf(pools, pools.length + 1);
        grown[pools.length] = make.apply(pools.length);
        pools = grown;
        return pools.length - 1;
    }

    private static Set<Capability> with(Set<Capability> extra) {
        Set<Capability> all = new HashSet<>(Set.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE,
                Capability.RESET, Capability.WALK_BLOCKS, Capability.THREAD_SAFE));
        all.addAll(extra);
        return all;
    }

    /** A new thread's state. */
    abstract L newLocal();

    /**
     * Takes a slot of pool {@code c} for thread state {@code t} when its cache for {@code c} is empty (or
     * does not exist yet); 0 when none can be had.
     */
    abstract long takeSlow(L t, int c);

    /** Puts a slot of pool {@code c}, no longer live, into thread state {@code t}'s full (or missing) cache. */
    abstract void giveSlow(L t, int c, long address);

    /** Gives every slot cached by {@code t} back to the pools. Called by {@code t}'s thread or once it has ended. */
    abstract void flush(L t);

    /** Visits every batch of slots held in caches shared between threads (transfer stacks, depots). */
    abstract void forEachShared(Consumer<long[]> batch);

    /** Visits every batch of cached slots: the shared caches' and every thread's. */
    private void forEachCachedAnywhere(Consumer<long[]> batch) {
        forEachShared(batch);
        for (L l : locals) {
            forEachCached(l, batch);
        }
    }

    /** Visits the slots {@code t} caches. */
    abstract void forEachCached(L t, Consumer<long[]> batch);

    /** Empties the shared caches without giving their slots back (the page heap is being released). */
    abstract void clearShared();

    /** Metrics a subclass adds. */
    abstract void addStats(AllocatorStats.Builder b);

    @Override
    public final Memory memory() {
        return memory;
    }

    /** This thread's state. */
    final L local() {
        L f = first;
        Thread current = Thread.currentThread();
        if (f != null && f.thread == current) {
            return f;
        }
        L[] table = byThread;
        L l = table[(int) current.threadId() & (table.length - 1)];
        return l != null && l.thread == current ? l : localSlow();
    }

    private L localSlow() {
        L l = perThread.get();
        if (l == null) {
            retireEnded();
            l = newLocal();
            perThread.set(l);
            locals.add(l);
            synchronized (this) {
                if (everRegistered == 1) {       // the first thread's own peak was exact until now
                    for (L o : locals) {
                        sampledPeak.accumulateAndGet(o.peak + retiredLive, Math::max);
                    }
                }
                everRegistered++;
            }
            L f = first;
            if (f == null || !f.thread.isAlive()) {
                first = l;
            }
            int i = (int) Thread.currentThread().threadId() & (byThread.length - 1);
            L there = byThread[i];
            if (there == null || !there.thread.isAlive()) {
                byThread[i] = l;                 // a final owner field: safe to find through a racy read
            }
        }
        return l;
    }

    /** Gives back the caches of threads that have ended and folds their counters into the retired ones. */
    private void retireEnded() {
        for (L l : locals) {
            if (!l.thread.isAlive() && locals.remove(l)) {
                flush(l);
                if (first == l) {
                    first = null;
                }
                int i = (int) l.thread.threadId() & (byThread.length - 1);
                if (byThread[i] == l) {
                    byThread[i] = null;
                }
                synchronized (this) {
                    retiredLive += l.live();
                    retiredFailed += l.failed;
                }
            }
        }
    }

    // ------------------------------------------------------------------ allocation

    /** Allocates from pool {@code c}. */
    final long allocateSlot(int c, long size) {
        L t = local();
        long[][] caches = t.items;
        long[] cache;
        int n;
        long a;
        if (c < caches.length && (n = (int) (cache = caches[c])[0]) > 0) {
            cache[0] = n - 1;
            a = cache[n];
        } else {
            a = takeSlow(t, c);
            if (a == 0) {
                return failed(t);
            }
        }
        Span s = spanOf(a);
        s.requested[s.slotOf(a)] = (int) size;
        counted(t, size);
        return a;
    }

    private long failed(L t) {
        t.failed++;
        samplePeak();
        return 0;
    }

    static void counted(Local t, long size) {
        long allocated = t.allocated + size;
        t.allocated = allocated;
        long live = allocated - t.freed;
        if (live > t.peak) {
            t.peak = live;
        }
    }

    /** A block of its own span, for requests above the slot sizes or aligned beyond them. */
    final long allocateLarge(long size, long alignment) {
        L t = local();
        long pages = (size + heap.pageSize - 1) >>> heap.pageShift;
        Span s = pages > Integer.MAX_VALUE ? null
                : heap.allocate(pages, Math.max(heap.pageSize, alignment), Span.LARGE, 0);
        if (s == null) {
            t.failed++;
            return 0;
        }
        s.largeRequested[0] = size;
        counted(t, size);
        samplePeak();
        return s.start;
    }

    /** The span of a live block starting at {@code address}; throws naming what is wrong otherwise. */
    private Span liveSpan(long address, String what) {
        Span s = heap.spanOf(address);
        if (s == null) {
            throw invalidFree(address, heap.inArea(address)
                    ? "it lies on free pages of this allocator, in no block (" + what + ")"
                    : "it is not in this allocator's memory (" + what + ")");
        }
        if (s.isLarge()) {
            if (address != s.start) {
                throw invalidFree(address, "it points " + (address - s.start) + " bytes into the large block at "
                        + Sizes.hex(s.start) + " (" + what + ")");
            }
            return s;
        }
        int slot = s.slotAt(address);
        if (slot < 0) {
            long offset = address - s.start;
            long slotStart = s.start + offset / s.slotSize * s.slotSize;
            throw invalidFree(address, offset / s.slotSize < s.capacity
                    ? "it points " + (address - slotStart) + " bytes into the " + s.slotSize + "-byte block at "
                            + Sizes.hex(slotStart) + " (" + what + ")"
                    : "it lies in the unused tail of a span of " + s.slotSize + "-byte blocks (" + what + ")");
        }
        if (s.requested[slot] == 0) {
            throw invalidFree(address, "the " + s.slotSize + "-byte block there is not live: freed already, or"
                    + " never handed out (" + what + ")");
        }
        return s;
    }

    @Override
    protected final void doFree(long address) {
        Span s = spanOf(address);
        int[] requested;
        int slot;
        int size;
        // a large span records no request per slot (its one entry stays 0), so it takes the slow path too
        if (s == null || (slot = s.slotAt(address)) < 0 || (size = (requested = s.requested)[slot]) == 0) {
            freeLarge(liveSpan(address, "free"));          // throws unless a live large block
            return;
        }
        requested[slot] = 0;
        L t = local();
        uncounted(t, size);
        int c = s.sizeClass;
        long[][] caches = t.items;
        if (c < caches.length) {
            long[] cache = caches[c];
            int n = (int) cache[0] + 1;
            if (n < cache.length) {
                cache[n] = address;
                cache[0] = n;
                return;
            }
        }
        giveSlow(t, c, address);
    }

    private void freeLarge(Span s) {
        long size = s.largeRequested == null ? 0 : s.largeRequested[0];
        if (size == 0 || !heap.release(s)) {            // a slot reused meanwhile, or a large block freed twice at once
            throw invalidFree(s.start, "the block was freed by another thread at the same time");
        }
        s.largeRequested[0] = 0;
        uncounted(local(), size);
    }

    private static void uncounted(Local t, long size) {
        t.freed += size;
    }

    @Override
    protected final long doUsableSize(long address) {
        Span s = liveSpan(address, "usable size");
        return s.isLarge() ? s.bytes : s.slotSize;
    }

    /** The pool for a new size on reallocation, or -1 for a large block. */
    abstract int poolFor(long size, long alignment);

    @Override
    protected final long doReallocate(long address, long newSize) {
        Span s = liveSpan(address, "reallocate");
        L t = local();
        if (s.isLarge()) {
            long old = s.largeRequested[0];
            if (((newSize + heap.pageSize - 1) >>> heap.pageShift) == s.pages) {
                s.largeRequested[0] = newSize;
                resized(t, newSize - old);
                return address;
            }
            return move(address, old, newSize);
        }
        int slot = s.slotAt(address);
        int old = s.requested[slot];
        if (poolFor(newSize, DEFAULT_ALIGNMENT) == s.sizeClass) {
            s.requested[slot] = (int) newSize;
            resized(t, newSize - old);
            return address;
        }
        return move(address, old, newSize);
    }

    private static void resized(Local t, long delta) {
        t.allocated += delta;
        if (t.live() > t.peak) {
            t.peak = t.live();
        }
    }

    private long move(long address, long old, long newSize) {
        long to = allocate(newSize, DEFAULT_ALIGNMENT);
        if (to == 0) {
            return 0;
        }
        memory.copy(address, to, Math.min(old, newSize));
        free(address);
        return to;
    }

    @Override
    protected final boolean doOwns(long address) {
        return heap.inArea(address);
    }

    // ------------------------------------------------------------------ the whole heap

    /**
     * Notes the live sum at a slow-path moment (a cache refilled or spilled), for the peak of a sum over
     * several threads that no single counter holds. Skipped while one thread is all there has been: its own
     * counter holds the exact peak.
     */
    final void samplePeak() {
        if (everRegistered <= 1) {
            return;
        }
        long sum = liveNow();
        if (sum > sampledPeak.get()) {
            sampledPeak.accumulateAndGet(sum, Math::max);
        }
    }

    private long liveNow() {
        long sum = retiredLive;
        for (L l : locals) {
            sum += l.live();
        }
        return sum;
    }

    /**
     * Spans in address order: each live slot and each large block allocated, runs of slots that are not live
     * (free in their span or in a cache) free, and the free page runs between spans free. The untouched
     * reserve above an area's highest span is not reported: it is address space, not a hole.
     */
    @Override
    protected final void doWalk(HeapVisitor visitor) {
        retireEnded();
        List<Object> items = new ArrayList<>();
        heap.forEach(items::add, items::add, false);    // not the untouched reserve at the top of an area
        items.sort((x, y) -> Long.compareUnsigned(startOf(x), startOf(y)));
        for (Object o : items) {
            if (o instanceof long[] run) {
                visitor.free(run[0], run[1] << heap.pageShift);
            } else {
                Span s = (Span) o;
                if (s.isLarge()) {
                    visitor.allocated(s.start, s.bytes);
                    continue;
                }
                long freeStart = 0;
                long freeBytes = 0;
                for (int i = 0; i < s.capacity; i++) {
                    long a = s.slotAddress(i);
                    if (s.requested[i] > 0) {
                        if (freeBytes > 0) {
                            visitor.free(freeStart, freeBytes);
                            freeBytes = 0;
                        }
                        visitor.allocated(a, s.slotSize);
                    } else {
                        if (freeBytes == 0) {
                            freeStart = a;
                        }
                        freeBytes += s.slotSize;
                    }
                }
                if (freeBytes > 0) {
                    visitor.free(freeStart, freeBytes);
                }
            }
        }
    }

    private static long startOf(Object o) {
        return o instanceof long[] run ? run[0] : ((Span) o).start;
    }

    @Override
    protected final void doVerify() {
        retireEnded();
        String name = strategy();
        heap.verify(name);
        SlotPool[] pools = this.pools;
        for (SlotPool p : pools) {
            p.lock.lock();
        }
        try {
            for (SlotPool p : pools) {
                p.verifyList(name, "the " + p.slotSize + "-byte pool");
            }
            List<Span> spans = new ArrayList<>();
            heap.forEach(spans::add, r -> { });
            java.util.IdentityHashMap<Span, int[]> cached = new java.util.IdentityHashMap<>();
            Set<Long> seen = new HashSet<>();
            Consumer<long[]> count = batch -> {
                for (long a : batch) {
                    Span s = heap.spanOf(a);
                    int slot = s == null || s.isLarge() ? -1 : s.slotAt(a);
                    if (slot < 0) {
                        throw new IllegalStateException(name + ": a cache holds " + Sizes.hex(a)
                                + ", which is not the start of a slot");
                    }
                    if (s.requested[slot] != 0) {
                        throw new IllegalStateException(name + ": a cache holds the live block at " + Sizes.hex(a));
                    }
                    if (!seen.add(a)) {
                        throw new IllegalStateException(name + ": " + Sizes.hex(a) + " is cached twice");
                    }
                    cached.computeIfAbsent(s, k -> new int[1])[0]++;
                }
            };
            forEachCachedAnywhere(count);
            long live = 0;
            long blocks = 0;
            for (Span s : spans) {
                if (s.isLarge()) {
                    if (s.largeRequested[0] <= 0) {
                        throw new IllegalStateException(name + ": the large span at " + Sizes.hex(s.start)
                                + " holds no live block");
                    }
                    live += s.largeRequested[0];
                    blocks++;
                    continue;
                }
                boolean[] onFree = new boolean[s.capacity];
                for (int i = 0; i < s.freeCount; i++) {
                    int slot = s.free[i];
                    if (onFree[slot] || s.requested[slot] != 0) {
                        throw new IllegalStateException(name + ": slot " + slot + " of the span at " + Sizes.hex(s.start)
                                + (onFree[slot] ? " is on its free stack twice" : " is live and on its free stack"));
                    }
                    if (seen.contains(s.slotAddress(slot))) {
                        throw new IllegalStateException(name + ": " + Sizes.hex(s.slotAddress(slot))
                                + " is both cached and free in its span");
                    }
                    onFree[slot] = true;
                }
                int liveSlots = 0;
                for (int r : s.requested) {
                    if (r < 0 || r > s.slotSize) {
                        throw new IllegalStateException(name + ": a slot of the span at " + Sizes.hex(s.start)
                                + " records a request of " + r + " bytes in a " + s.slotSize + "-byte slot");
                    }
                    if (r > 0) {
                        liveSlots++;
                        live += r;
                    }
                }
                blocks += liveSlots;
                int inCaches = cached.getOrDefault(s, new int[1])[0];
                if (liveSlots + inCaches + s.freeCount != s.capacity) {
                    throw new IllegalStateException(name + ": the span at " + Sizes.hex(s.start) + " has " + liveSlots
                            + " live, " + inCaches + " cached and " + s.freeCount + " free slots of " + s.capacity);
                }
                if (s.freeCount == s.capacity) {
                    throw new IllegalStateException(name + ": the span at " + Sizes.hex(s.start)
                            + " is wholly free but still committed");
                }
                if (s.listed != (s.freeCount > 0)) {
                    throw new IllegalStateException(name + ": the span at " + Sizes.hex(s.start) + " with "
                            + s.freeCount + " free slots is " + (s.listed ? "" : "not ") + "on its pool's list");
                }
            }
            long counted = liveNow();
            if (live != counted) {
                throw new IllegalStateException(name + ": the spans hold " + live + " live bytes, the counters "
                        + counted);
            }
            long countedBlocks = liveBlocksAndUsable()[0];
            if (blocks != countedBlocks) {
                throw new IllegalStateException(name + ": the spans hold " + blocks + " live blocks, the counters "
                        + countedBlocks);
            }
        } finally {
            for (int i = pools.length - 1; i >= 0; i--) {
                pools[i].lock.unlock();
            }
        }
    }

    @Override
    protected final AllocatorStats doStats() {
        retireEnded();
        long live;
        long failed;
        synchronized (this) {
            live = retiredLive;
            failed = retiredFailed;
        }
        long singlePeak = 0;
        for (L l : locals) {
            live += l.live();
            failed += l.failed;
            singlePeak = l.peak;
        }
        long peak = sampledPeak.accumulateAndGet(live, Math::max);
        synchronized (this) {
            if (everRegistered == 1 && locals.size() == 1) {
                peak = Math.max(peak, singlePeak);       // one thread ever: its own peak is the exact one
            }
        }
        long[] blocksAndUsable = liveBlocksAndUsable();
        long blocks = blocksAndUsable[0];
        long usable = blocksAndUsable[1];
        long[] cachedBytes = {blocksAndUsable[2]};
        long freeInSpans = 0;
        long spanTails = 0;
        long slabSpans = 0;
        for (SlotPool p : pools) {
            freeInSpans += p.freeSlots() * p.slotSize;
            slabSpans += p.spans();
            spanTails += p.spans() * (heap.pageSize * p.spanPages % p.slotSize);   // every span of a pool alike
        }
        long metadata = 0;
        for (SlotPool p : pools) {
            long spanBytes = heap.pageSize * p.spanPages;
            metadata += p.spans() * (96 + 8 * (spanBytes / p.slotSize));
        }
        var b = AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, live, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peak, "highest live_bytes: exact when one thread has used the"
                        + " allocator, else the highest sum seen when a thread went to the shared lists")
                .count(AllocatorStats.LIVE_BLOCKS, blocks, "blocks allocated and not freed")
                .bytes(AllocatorStats.COMMITTED_BYTES, heap.committed(), "pages of spans and large blocks")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, heap.peakCommitted(), "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, heap.reserved(), "address space of the page heap's areas")
                .bytes(AllocatorStats.PEAK_RESERVED_BYTES, heap.peakReserved(), "highest reserved_bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, metadata, "span bookkeeping, on the Java heap: a free-slot stack"
                        + " entry and a request per slot, about 96 bytes a span; none in managed memory")
                .bytes("usable_bytes", usable, "usable bytes of live blocks: class or page rounding included")
                .bytes("cached_bytes", cachedBytes[0], "free slots held in thread caches, transfer stacks,"
                        + " magazines and depots")
                .bytes("span_free_bytes", freeInSpans, "free slots in spans, on the pools' lists")
                .bytes("span_tail_bytes", spanTails, "bytes past the last slot of each span")
                .count("spans", heap.spans(), "spans of slots and large blocks")
                .count("slab_spans", slabSpans, "spans of slots")
                .count("threads", locals.size(), "threads with state in this allocator now")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failed, "requests that returned 0");
        long waits = 0;
        for (SlotPool p : pools) {
            waits += p.lockWaits();
        }
        b.count("pool_lock_waits", waits, "times a thread found a pool's lock taken and waited");
        addStats(b);
        return b.build();
    }

    /**
     * Live blocks, their usable bytes and the bytes of cached slots: slots out of the spans, less those in
     * caches, plus the large blocks. Exact when no other thread is allocating or freeing.
     */
    private long[] liveBlocksAndUsable() {
        long[] cached = new long[2];
        Consumer<long[]> count = batch -> {
            cached[0] += batch.length;
            cached[1] += bytesOf(batch);
        };
        forEachCachedAnywhere(count);
        long out = 0;
        long outBytes = 0;
        for (SlotPool p : pools) {
            out += p.slotsOut();
            outBytes += p.slotsOut() * p.slotSize;
        }
        long[] large = heap.large();
        return new long[] {out - cached[0] + large[0], outBytes - cached[1] + large[1], cached[1]};
    }

    private long bytesOf(long[] batch) {
        long sum = 0;
        for (long a : batch) {
            Span s = heap.spanOf(a);
            sum += s == null ? 0 : s.slotSize;
        }
        return sum;
    }

    @Override
    protected final void doReset() {
        for (L l : locals) {
            dropCached(l);
            l.allocated = 0;
            l.freed = 0;
            l.peak = 0;
        }
        synchronized (this) {
            retiredLive = 0;
        }
        sampledPeak.set(0);
        clearShared();
        heap.clear();
        for (SlotPool p : pools) {
            p.clear();
        }
    }

    /** Forgets what {@code t} caches without giving it back (the page heap is being released). */
    abstract void dropCached(L t);

    @Override
    protected final void doClose() {
        heap.releaseAll();
    }

    /** A new array of a cache's addresses (without its height). */
    static long[] cached(long[] cache) {
        return Arrays.copyOfRange(cache, 1, 1 + (int) cache[0]);
    }

}
