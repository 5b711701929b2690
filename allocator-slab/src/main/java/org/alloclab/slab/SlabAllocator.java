package org.alloclab.slab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.VirtualMemory;

/**
 * Bonwick's slab allocator with magazines ("The slab allocator", 1994; "Magazines and vmem", 2001).
 *
 * <p>An <em>object cache</em> hands out objects of one size. Its slabs are runs of pages from the
 * {@link PageHeap} cut into equal slots; bookkeeping stays on the Java heap, so a cache may give its objects
 * a constructed state ({@link SlotConstructor}), applied once per slot when the slab is made and kept
 * across free and reuse. A slab whose objects have all come back is given to the page heap, which
 * decommits it.
 *
 * <p>Above the slabs, each thread holds two <em>magazines</em> per cache — {@code loaded} and
 * {@code previous}, arrays of up to M addresses — and allocates from and frees into them without any lock:
 *
 * <pre>
 *   allocate: loaded not empty → pop           free: loaded not full → push
 *             previous full    → swap, pop           previous empty   → swap, push
 *             depot has a full → previous to          previous full    → previous to the depot's full
 *                magazine        the depot's empty       list (or, the depot full, its rounds back to
 *                                list; loaded ←          the slabs); loaded ← an empty magazine
 *                                the full one      (previous is always either full or empty)
 *             else             → fill loaded from the slabs under the cache's lock
 * </pre>
 *
 * The <em>depot</em> holds full and empty magazines in two lock-free {@link BatchStack}s, at most
 * {@code depot-magazines} full ones per cache; magazines beyond that give their rounds back to the slabs.
 * A thread freeing an object another thread allocated puts it in its own magazine: no lock and no other
 * thread's state is touched.
 *
 * <p>Through the {@code Allocator} interface, {@code allocate(size)} uses the general caches (one per entry
 * of {@code sizes}, like the kernel's kmalloc caches): the smallest whose objects hold the request at its
 * alignment. Requests above the largest get page runs of their own. {@link #createCache} adds named caches
 * with constructors for programs that use the slab API directly.
 */
public final class SlabAllocator extends SlotAllocator<SlabAllocator.Magazines> {

    /** The stable name. */
    public static final String NAME = "slab";

    /**
     * A thread's magazines, two per cache: {@code loaded} is the base's per-pool cache ({@code items}),
     * {@code previous} is kept here. A magazine holds its round count at {@code [0]}.
     */
    static final class Magazines extends SlotAllocator.Local {
        long[][] previous = new long[0][];
    }

    /** An object cache: one slot size, its depot, its magazine size. */
    public final class ObjectCache {
        private final String name;
        final int index;
        final int rounds;
        final BatchStack full = new BatchStack();
        final BatchStack empty = new BatchStack();
        long depotOverflows;

        ObjectCache(String name, int index, int rounds) {
            this.name = name;
            this.index = index;
            this.rounds = rounds;
        }

        /** The cache's name. */
        public String name() {
            return name;
        }

        /** Bytes of each object. */
        public int objectSize() {
            return pools[index].slotSize;
        }

        /** Allocates an object in its constructed state, or returns 0 when memory ran out. */
        public long allocate() {
            ensureOpen();
            return allocateSlot(index, pools[index].slotSize);
        }
    }

    private final List<ObjectCache> caches = new ArrayList<>();
    private volatile ObjectCache[] byIndex;
    private final int[] generalSizes;
    private final byte[] lookup;          // general cache per (size + 7) >>> 3
    private final long magazineBytes;
    private final int depotMagazines;

    SlabAllocator(VirtualMemory vm, PageHeap heap, long[] sizes, SlotConstructor constructor, long magazineBytes,
            int depotMagazines) {
        super(NAME, Set.of(), vm, heap, new SlotPool[0]);
        this.magazineBytes = magazineBytes;
        this.depotMagazines = depotMagazines;
        this.byIndex = new ObjectCache[0];
        this.generalSizes = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            generalSizes[i] = (int) sizes[i];
            addCache("size-" + sizes[i], sizes[i], constructor);
        }
        int largest = generalSizes[generalSizes.length - 1];
        this.lookup = new byte[(largest >>> 3) + 1];
        int c = 0;
        for (int i = 1; i < lookup.length; i++) {
            while (generalSizes[c] < i << 3) {
                c++;
            }
            lookup[i] = (byte) c;
        }
    }

    /**
     * Creates a named cache of objects of {@code objectSize} bytes, each aligned to the largest power of two
     * dividing the size (up to a page), constructed once by {@code constructor} (may be {@code null}).
     */
    public ObjectCache createCache(String name, long objectSize, SlotConstructor constructor) {
        ensureOpen();
        if (objectSize < 8 || objectSize > 1 << 20) {
            throw new IllegalArgumentException(NAME + ": an object cache's objects must be from 8 bytes to 1 MiB, "
                    + name + " asked for " + objectSize);
        }
        synchronized (caches) {
            for (ObjectCache oc : caches) {
                if (oc.name.equals(name)) {
                    throw new IllegalArgumentException(NAME + ": there is already a cache named " + name);
                }
            }
        }
        return addCache(name, objectSize, constructor);
    }

    private ObjectCache addCache(String name, long objectSize, SlotConstructor constructor) {
        synchronized (caches) {
            int size = (int) ((objectSize + 7) & -8);
            int index = addPool(i -> new SlotPool(i, size, SizeClasses.pagesFor(size, heap.pageSize), heap, constructor,
                    memory));
            ObjectCache oc = new ObjectCache(name, index, (int) Math.clamp(magazineBytes / size, 2, 256));
            caches.add(oc);
            ObjectCache[] grown = Arrays.copyOf(byIndex, index + 1);
            grown[index] = oc;
            byIndex = grown;
            return oc;
        }
    }

    /** The caches, general ones first. */
    public List<ObjectCache> caches() {
        synchronized (caches) {
            return List.copyOf(caches);
        }
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        int c = poolFor(size, alignment);
        return c >= 0 ? allocateSlot(c, size) : allocateLarge(size, alignment);
    }

    @Override
    int poolFor(long size, long alignment) {
        if (size > generalSizes[generalSizes.length - 1]) {
            return -1;
        }
        int c = lookup[(int) ((size + 7) >>> 3)];
        if (alignment <= 8) {
            return c;
        }
        for (; c < generalSizes.length && alignment <= heap.pageSize; c++) {
            if (generalSizes[c] % alignment == 0) {
                return c;
            }
        }
        return -1;
    }

    @Override
    Magazines newLocal() {
        return new Magazines();
    }

    @Override
    long takeSlow(Magazines t, int c) {
        ObjectCache oc = byIndex[c];
        prepare(t);
        if (t.previous[c][0] == oc.rounds) {
            swap(t, c);
        } else {
            BatchStack.Node full = oc.full.pop();
            if (full != null) {
                oc.empty.push(t.previous[c], depotMagazines);      // previous is empty here
                t.previous[c] = t.items[c];
                t.items[c] = full.items;
            } else {
                long[] loaded = t.items[c];
                loaded[0] = pools[c].fill(loaded, 1, oc.rounds);
                samplePeak();
                if (loaded[0] == 0) {
                    return 0;
                }
            }
        }
        long[] loaded = t.items[c];
        int n = (int) loaded[0];
        loaded[0] = n - 1;
        return loaded[n];
    }

    /** Gives the thread a pair of magazines for every cache that exists now. */
    private void prepare(Magazines t) {
        ObjectCache[] all = byIndex;
        int have = t.items.length;
        if (have < all.length) {
            long[][] loaded = Arrays.copyOf(t.items, all.length);
            long[][] previous = Arrays.copyOf(t.previous, all.length);
            for (int c = have; c < all.length; c++) {
                loaded[c] = new long[1 + all[c].rounds];
                previous[c] = new long[1 + all[c].rounds];
            }
            t.previous = previous;
            t.items = loaded;
        }
    }

    private static void swap(Magazines t, int c) {
        long[] m = t.items[c];
        t.items[c] = t.previous[c];
        t.previous[c] = m;
    }

    @Override
    void giveSlow(Magazines t, int c, long address) {
        ObjectCache oc = byIndex[c];
        prepare(t);
        long[] loaded = t.items[c];
        if (loaded[0] < oc.rounds) {                          // the magazines were only just made
            loaded[(int) ++loaded[0]] = address;
            return;
        }
        if (t.previous[c][0] == 0) {
            swap(t, c);
        } else {                                              // previous is full: it goes to the depot
            long[] previous = t.previous[c];
            long[] fresh;
            if (oc.full.push(previous, depotMagazines)) {
                BatchStack.Node e = oc.empty.pop();
                fresh = e != null ? e.items : new long[1 + oc.rounds];
            } else {
                oc.depotOverflows++;
                pools[c].release(previous, 1, oc.rounds);
                previous[0] = 0;
                fresh = previous;
            }
            samplePeak();
            t.previous[c] = t.items[c];
            t.items[c] = fresh;
        }
        loaded = t.items[c];
        loaded[(int) ++loaded[0]] = address;
    }

    @Override
    void flush(Magazines t) {
        for (int c = 0; c < t.items.length; c++) {
            for (long[] m : new long[][] {t.items[c], t.previous[c]}) {
                if (m[0] > 0) {
                    pools[c].release(m, 1, (int) m[0]);
                    m[0] = 0;
                }
            }
        }
    }

    /** Gives the calling thread's magazines and every depot's full magazines back to the slabs. */
    public void trim() {
        ensureOpen();
        flush(local());
        for (ObjectCache oc : byIndex) {
            for (BatchStack.Node n = oc.full.takeAll(); n != null; n = n.next) {
                pools[oc.index].release(n.items, 1, (int) n.items[0]);
            }
        }
    }

    @Override
    void forEachShared(Consumer<long[]> visitor) {
        for (ObjectCache oc : byIndex) {
            oc.full.forEachAddress(visitor);
        }
    }

    @Override
    void forEachCached(Magazines t, Consumer<long[]> visitor) {
        long[][] loaded = t.items;              // read once: another thread may be growing them (then racy,
        long[][] previous = t.previous;         // but never out of bounds)
        for (int c = 0; c < Math.min(loaded.length, previous.length); c++) {
            for (long[] m : new long[][] {loaded[c], previous[c]}) {
                if (m[0] > 0) {
                    visitor.accept(cached(m));
                }
            }
        }
    }

    @Override
    void clearShared() {
        for (ObjectCache oc : byIndex) {
            oc.full.takeAll();
        }
    }

    @Override
    void dropCached(Magazines t) {
        for (int c = 0; c < t.items.length; c++) {
            t.items[c][0] = 0;
            t.previous[c][0] = 0;
        }
    }

    @Override
    void addStats(AllocatorStats.Builder b) {
        long full = 0;
        long overflows = 0;
        for (ObjectCache oc : byIndex) {
            full += oc.full.depth();
            overflows += oc.depotOverflows;
        }
        b.count("depot_full_magazines", full, "full magazines waiting in the caches' depots");
        b.count("depot_overflows", overflows, "full magazines that found their depot full and went back to the"
                + " slabs (racy count)");
        b.count("object_caches", byIndex.length, "object caches, general ones included");
    }
}
