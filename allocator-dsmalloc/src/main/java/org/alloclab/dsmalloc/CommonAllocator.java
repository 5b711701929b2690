package org.alloclab.dsmalloc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Memory;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * The common allocator, after Despair Engine's general allocator: a composite of dsmalloc spaces. Small
 * requests go to a space of their own size class, so blocks of one size sit together on pages of their
 * own; everything else goes to one large space.
 *
 * <h2>Size classes</h2>
 * Twenty small spaces: every 8-byte class below 64 bytes, every 16-byte class from 64 to 256 bytes.
 * A request of {@code n} bytes (1 ≤ n ≤ 256) with alignment up to {@value #SMALL_ALIGNMENT} goes to class
 * <pre>
 *   index(n) = ceil(n / 8) - 1                  for n ≤ 56      (classes  0 … 6)
 *   index(n) = 7 + ceil((n - 64) / 16)           for 56 < n ≤ 256 (classes  7 … 19)
 *   size(i)  = 8 * (i + 1)  for i < 7,   64 + 16 * (i - 7)  for i ≥ 7
 *
 *   index  0   1   2   3   4   5   6 |  7   8   9  10  11  12  13  14  15  16  17  18  19 | 20
 *   size   8  16  24  32  40  48  56 | 64  80  96 112 128 144 160 176 192 208 224 240 256 | large
 *   n    1-8 ...                  49-56 | 57-64 65-80 ...                        241-256  | > 256
 * </pre>
 * (the routing is one lookup in a 33-entry table indexed by {@code (n + 7) / 8}). A request above 256
 * bytes, or aligned to more than {@value #SMALL_ALIGNMENT} bytes (what a dsmalloc payload always is), goes
 * to the large space. dsmalloc's own chunks are 16-byte multiples with an 8-byte header, so the 8-, 16-
 * and 24-byte classes all use 32-byte chunks: the finer classes segregate blocks, they do not save bytes.
 *
 * <h2>Spaces</h2>
 * <pre>
 *   common allocator
 *   +--------------------------------------------------------------------------------------+
 *   | small spaces (dsmalloc, segment = page = the VM's page by default)       large space |
 *   |  [8]  [16]  [24] ... [56] [64] [80] ... [240] [256]      (dsmalloc, 32 MiB segments, |
 *   |   |     |                                                   64 KiB pages, own        |
 *   |  +--+  +--+  +--+                                           segment above 1 MiB)    |
 *   |  |pg|  |pg|  |pg|  one page-sized segment at a time,   +------------------------+  |
 *   |  +--+  +--+  +--+  released when its last block goes   |  32 MiB segment        |  |
 *   |  |pg|                                                   +------------------------+  |
 *   +--------------------------------------------------------------------------------------+
 *   every space reserves through a SpaceMemory view of the one virtual memory, which records each
 *   region in the SpaceMap:  region start -> space.   free(p) = map.find(p) -> that space's free(p)
 * </pre>
 * Each space is a {@link Dsmalloc} used through its public constructor. The large space's commit unit
 * is the {@code page-size} parameter (64 KiB by default). dsmalloc accepts a page coarser than the
 * virtual memory's, but then needs its segments aligned to that page, which a virtual memory does not
 * promise: the large space's {@link SpaceMemory} over-reserves by {@code page - vmPage} and hands out the
 * aligned part (address space only; nothing of the slack is committed). When the virtual memory's page
 * is coarser than {@code page-size}, its page is used.
 *
 * <h2>Finding a block's space</h2>
 * An address map, no header: a block costs exactly what it costs in its dsmalloc space. See
 * {@link SpaceMap}: one hash probe for an address in a small space's page-sized segment, a binary
 * search over the few multi-page regions otherwise. An address in no region is rejected here; an address
 * in a region goes to that space, which rejects a double free or an interior pointer itself. Either way
 * an {@link InvalidFreeException} names the address and the space, and nothing changes.
 *
 * <h2>Threads</h2>
 * {@code threads-mode = none} (default): one thread at a time, no locks. {@code try-next}: each space has
 * a lock; a small request {@code tryLock}s its own class's space, then the next {@code try-next-limit}
 * larger classes (past class 19, the large space), allocating from the first it gets; if every one is
 * busy it waits for its own. A space that cannot satisfy the request (out of memory) passes it on the
 * same way. Large requests, frees, reallocations and usable sizes lock the owning space and wait. Only
 * this mode declares {@link Capability#THREAD_SAFE}. Reset, walk, stats, verify and close take every
 * lock in index order (allocation never holds two, so there is no lock-order cycle).
 *
 * <h2>Reallocation</h2>
 * When the new size routes to the space that holds the block, that space reallocates (in place when it
 * can). Otherwise the block moves: a new block from the new size's space, a copy of
 * {@code min(usable, newSize)} bytes, and a free in the old space.
 *
 * <h2>Stats</h2>
 * The standard metrics are sums over the spaces. {@code peak_live_bytes} and {@code peak_committed_bytes}
 * are sums of the spaces' peaks: upper bounds of the composite's peaks (spaces peak at different times);
 * the harness measures the exact peak committed from the virtual memory. Then composite counts
 * ({@code small_spaces}, {@code small_spaces_in_use}, {@code spaces_tried_next}, {@code lock_waits},
 * {@code map_regions}) and, per space, {@code <space>_live_blocks} and {@code <space>_segments}.
 */
public final class CommonAllocator extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "common";

    /** Largest request a small space takes. */
    public static final long SMALL_MAX = 256;

    /** Largest alignment routed to a small space: every dsmalloc payload is 16-byte aligned. */
    public static final long SMALL_ALIGNMENT = 16;

    /** Number of small spaces. */
    public static final int SMALL_CLASSES = 20;

    /** Emptied segments (pages, by default) a small space keeps when spares are on. */
    static final int SMALL_SPARES = 16;

    /** Index of the large space. */
    static final int LARGE = SMALL_CLASSES;

    private static final byte[] ROUTE = new byte[(int) (SMALL_MAX / 8) + 1];

    static {
        for (int k = 1; k < ROUTE.length; k++) {
            long n = 8L * k;                                  // every n with (n + 7) / 8 == k routes alike
            ROUTE[k] = (byte) (n <= 56 ? k - 1 : 7 + (n - 64 + 15) / 16);
        }
    }

    /** How {@link CommonAllocator} is called from threads. */
    public enum ThreadsMode {
        /** One thread at a time; no locks. */
        NONE,
        /** A lock per space; a busy small space sends the request to the next larger class. */
        TRY_NEXT
    }

    private final VirtualMemory vm;
    private final Memory mem;
    private final Dsmalloc[] spaces = new Dsmalloc[SMALL_CLASSES + 1];
    private final String[] names = new String[SMALL_CLASSES + 1];
    private final SpaceMap map;
    private final boolean threaded;
    private final ReentrantLock[] locks;
    private final int tryNextLimit;
    private final LongAdder triedNext = new LongAdder();
    private final LongAdder lockWaits = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /**
     * A common allocator drawing every space's segments from {@code vm}. Nothing is reserved until a
     * space is first used.
     *
     * @param largeSegment      bytes of an ordinary segment of the large space
     * @param largePage         the large space's commit unit; raised to the virtual memory's page when smaller
     * @param largeThreshold    a request above it gets a segment of its own in the large space
     * @param smallSegment      bytes of a small space's segment (also its commit unit); 0 for the virtual memory's page
     * @param mode              how threads may call
     * @param tryNextLimit      in {@link ThreadsMode#TRY_NEXT}, how many larger classes a thread tries before waiting
     * @throws IllegalArgumentException when a size does not fit the virtual memory
     */
    public CommonAllocator(VirtualMemory vm, long largeSegment, long largePage, long largeThreshold, long smallSegment,
                           ThreadsMode mode, int tryNextLimit) {
        this(vm, largeSegment, largePage, largeThreshold, smallSegment, mode, tryNextLimit, false);
    }

    /**
     * As above; with {@code keepSpares} each space keeps segments it empties (see
     * {@link Dsmalloc#Dsmalloc(VirtualMemory, long, long, long, long, int)}): a small space's segment is one
     * page, so without them every class whose blocks come and go reserves and releases a page each time;
     * a small space keeps up to {@value #SMALL_SPARES} (a batch of blocks freed in random order empties
     * several pages at once), the large space one. {@link #flush()} gives the spares back.
     */
    public CommonAllocator(VirtualMemory vm, long largeSegment, long largePage, long largeThreshold, long smallSegment,
                           ThreadsMode mode, int tryNextLimit, boolean keepSpares) {
        super(NAME, capabilities(mode));
        if (tryNextLimit < 0) {
            throw new IllegalArgumentException(NAME + ": try-next-limit must not be negative, was " + tryNextLimit);
        }
        this.vm = vm;
        this.mem = vm.memory();
        this.map = new SpaceMap(vm.pageSize());
        this.threaded = mode == ThreadsMode.TRY_NEXT;
        this.tryNextLimit = tryNextLimit;
        long small = smallSegment == 0 ? vm.pageSize() : smallSegment;
        long page = Math.max(largePage, vm.pageSize());
        for (int i = 0; i < SMALL_CLASSES; i++) {
            spaces[i] = new Dsmalloc(new SpaceMemory(vm, map, i, small), small, small, small, 0, keepSpares ? SMALL_SPARES : 0);
            names[i] = "small_" + classSize(i);
        }
        spaces[LARGE] = new Dsmalloc(new SpaceMemory(vm, map, LARGE, page), page, largeSegment,
                Math.min(largeThreshold, largeSegment), 0, keepSpares ? 1 : 0);
        names[LARGE] = "large";
        if (threaded) {
            locks = new ReentrantLock[SMALL_CLASSES + 1];
            for (int i = 0; i < locks.length; i++) {
                locks[i] = new ReentrantLock();
            }
        } else {
            locks = null;
        }
    }

    private static Set<Capability> capabilities(ThreadsMode mode) {
        var caps = EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET,
                Capability.WALK_BLOCKS);
        if (mode == ThreadsMode.TRY_NEXT) {
            caps.add(Capability.THREAD_SAFE);
        }
        return caps;
    }

    /** The space index a request of {@code size} bytes aligned to {@code alignment} is routed to. */
    static int route(long size, long alignment) {
        return size > SMALL_MAX || alignment > SMALL_ALIGNMENT ? LARGE : ROUTE[(int) ((size + 7) >>> 3)];
    }

    /** The largest request of small class {@code i}. */
    static long classSize(int i) {
        return i < 7 ? 8L * (i + 1) : 64 + 16L * (i - 7);
    }

    /** The index of the space holding {@code address}, or -1; for tests. */
    int spaceOf(long address) {
        return map.find(address);
    }

    /** The lock of space {@code i} in try-next mode; for tests. */
    ReentrantLock lockOf(int i) {
        return locks[i];
    }

    @Override
    public Memory memory() {
        return mem;
    }

    // ---- locking ---------------------------------------------------------------------------------

    private void lock(int i) {
        if (threaded) {
            locks[i].lock();
        }
    }

    private void unlock(int i) {
        if (threaded) {
            locks[i].unlock();
        }
    }

    private void lockAll() {
        if (threaded) {
            for (ReentrantLock l : locks) {
                l.lock();
            }
        }
    }

    private void unlockAll() {
        if (threaded) {
            for (int i = locks.length - 1; i >= 0; i--) {
                locks[i].unlock();
            }
        }
    }

    // ---- allocation ------------------------------------------------------------------------------

    @Override
    protected long doAllocate(long size, long alignment) {
        long a = allocateFrom(route(size, alignment), size, alignment);
        if (a == 0) {
            failed.increment();
        }
        return a;
    }

    private long allocateFrom(int home, long size, long alignment) {
        if (!threaded) {
            return spaces[home].allocate(size, alignment);
        }
        if (home == LARGE) {
            return locked(LARGE, size, alignment);
        }
        boolean homeTried = false;
        int last = Math.min(home + tryNextLimit, LARGE);
        for (int j = home; j <= last; j++) {
            ReentrantLock l = locks[j];
            if (l.tryLock()) {
                long a;
                try {
                    a = spaces[j].allocate(size, alignment);
                } finally {
                    l.unlock();
                }
                if (a != 0) {
                    if (j != home) {
                        triedNext.increment();
                    }
                    return a;
                }
                homeTried |= j == home;
            }
        }
        if (homeTried) {
            return 0;
        }
        lockWaits.increment();
        return locked(home, size, alignment);
    }

    private long locked(int i, long size, long alignment) {
        locks[i].lock();
        try {
            return spaces[i].allocate(size, alignment);
        } finally {
            locks[i].unlock();
        }
    }

    // ---- free, reallocate, usable size -----------------------------------------------------------

    /** The space holding {@code a}, or an {@link InvalidFreeException} from this allocator. */
    private int owner(long a, String what) {
        int i = map.find(a);
        if (i < 0) {
            throw invalidFree(a, "it lies in none of the spaces' segments (" + what + ")");
        }
        return i;
    }

    /** A space's complaint about {@code a}, restated as this allocator's, naming the space. */
    private InvalidFreeException fromSpace(int i, long a, InvalidFreeException e) {
        String prefix = Dsmalloc.NAME + ": cannot free " + Sizes.hex(a) + ": ";
        String why = e.getMessage() != null && e.getMessage().startsWith(prefix)
                ? e.getMessage().substring(prefix.length()) : e.getMessage();
        var x = invalidFree(a, why + " (in the " + names[i] + " space)");
        x.initCause(e);
        return x;
    }

    @Override
    protected void doFree(long a) {
        int i = owner(a, "free");
        lock(i);
        try {
            spaces[i].free(a);
        } catch (InvalidFreeException e) {
            throw fromSpace(i, a, e);
        } finally {
            unlock(i);
        }
    }

    @Override
    protected long doReallocate(long a, long newSize) {
        int i = owner(a, "reallocate");
        int target = route(newSize, DEFAULT_ALIGNMENT);
        long usable;
        lock(i);
        try {
            if (i == target) {
                long r = spaces[i].reallocate(a, newSize);   // stays in its class: in place when it can
                if (r == 0) {
                    failed.increment();
                }
                return r;
            }
            usable = spaces[i].usableSize(a);             // checks a is live before anything moves
        } catch (InvalidFreeException e) {
            throw fromSpace(i, a, e);
        } finally {
            unlock(i);
        }
        long b = allocateFrom(target, newSize, DEFAULT_ALIGNMENT);
        if (b == 0) {
            failed.increment();
            return 0;
        }
        mem.copy(a, b, Math.min(usable, newSize));
        lock(i);
        try {
            spaces[i].free(a);
        } finally {
            unlock(i);
        }
        return b;
    }

    @Override
    protected long doUsableSize(long a) {
        int i = owner(a, "usable size");
        lock(i);
        try {
            return spaces[i].usableSize(a);
        } catch (InvalidFreeException e) {
            throw fromSpace(i, a, e);
        } finally {
            unlock(i);
        }
    }

    @Override
    protected boolean doOwns(long a) {
        return map.find(a) >= 0;
    }

    // ---- reset, close, walk ----------------------------------------------------------------------

    @Override
    protected void doReset() {
        lockAll();
        try {
            for (Dsmalloc s : spaces) {
                s.reset();
            }
        } finally {
            unlockAll();
        }
    }

    /**
     * Gives back what the spaces keep for speed: every space's spare segment, then the pages of the
     * {@link org.alloclab.vmem.CommitCache} under the allocator when its virtual memory is one. After
     * every block is freed and this is called, nothing is committed in the virtual memory below.
     *
     * @return the bytes of committed memory given back
     */
    public long flush() {
        ensureOpen();
        lockAll();
        try {
            long bytes = 0;
            for (Dsmalloc s : spaces) {
                bytes += s.flush();    // a space's view is not the cache, so only the spares go here
            }
            if (vm instanceof org.alloclab.vmem.CommitCache cache) {
                bytes += cache.flush();
            }
            return bytes;
        } finally {
            unlockAll();
        }
    }

    @Override
    protected void doClose() {
        lockAll();
        try {
            for (Dsmalloc s : spaces) {
                s.close();
            }
            map.clear();
        } finally {
            unlockAll();
        }
    }

    /** Every space's spans, merged in address order (each space walks its own in order; spaces interleave). */
    @Override
    protected void doWalk(HeapVisitor visitor) {
        List<long[]> spans = new ArrayList<>();
        lockAll();
        try {
            for (Dsmalloc s : spaces) {
                s.walk(new HeapVisitor() {
                    @Override
                    public void allocated(long address, long bytes) {
                        spans.add(new long[] {address, bytes, 1});
                    }

                    @Override
                    public void free(long address, long bytes) {
                        spans.add(new long[] {address, bytes, 0});
                    }
                });
            }
            spans.sort(Comparator.comparingLong(x -> x[0]));
            for (long[] x : spans) {
                if (x[2] == 1) {
                    visitor.allocated(x[0], x[1]);
                } else {
                    visitor.free(x[0], x[1]);
                }
            }
        } finally {
            unlockAll();
        }
    }

    // ---- stats, verify ---------------------------------------------------------------------------

    private static final String[] SUMMED = {
        AllocatorStats.LIVE_BYTES, AllocatorStats.PEAK_LIVE_BYTES, AllocatorStats.LIVE_BLOCKS,
        AllocatorStats.COMMITTED_BYTES, AllocatorStats.PEAK_COMMITTED_BYTES, AllocatorStats.RESERVED_BYTES,
        AllocatorStats.PEAK_RESERVED_BYTES, AllocatorStats.OVERHEAD_BYTES, AllocatorStats.ALLOCATIONS,
    };

    @Override
    protected AllocatorStats doStats() {
        lockAll();
        try {
            AllocatorStats[] each = new AllocatorStats[spaces.length];
            for (int i = 0; i < spaces.length; i++) {
                each[i] = spaces[i].stats();
            }
            var b = AllocatorStats.builder();
            for (String name : SUMMED) {
                long sum = 0;
                for (AllocatorStats s : each) {
                    sum += s.find(name).orElse(0);
                }
                String what = "the spaces' " + name + " summed";
                if (name.endsWith("_bytes")) {
                    b.bytes(name, sum, name.startsWith("peak_") ? what + " (an upper bound)" : what);
                } else {
                    b.count(name, sum, what);
                }
            }
            b.count(AllocatorStats.FAILED_ALLOCATIONS, failed.sum(), "requests that returned 0");
            int inUse = 0;
            for (int i = 0; i < SMALL_CLASSES; i++) {
                if (each[i].find(AllocatorStats.RESERVED_BYTES).orElse(0) > 0) {
                    inUse++;
                }
            }
            b.count("small_spaces", SMALL_CLASSES, "small size-class spaces");
            b.count("small_spaces_in_use", inUse, "small spaces holding a segment now");
            b.count("spaces_tried_next", triedNext.sum(), "allocations served by a larger class's space because"
                    + " the own one was locked or full (try-next mode)");
            b.count("lock_waits", lockWaits.sum(), "allocations that found every space they tried locked and waited");
            b.count("map_regions", map.regions(), "regions in the address map");
            for (int i = 0; i < spaces.length; i++) {
                b.count(names[i] + "_live_blocks", each[i].find(AllocatorStats.LIVE_BLOCKS).orElse(0),
                        "live blocks of the " + names[i] + " space");
                b.count(names[i] + "_segments", each[i].find("segments").orElse(0),
                        "segments the " + names[i] + " space holds");
            }
            return b.build();
        } finally {
            unlockAll();
        }
    }

    @Override
    protected void doVerify() {
        lockAll();
        try {
            for (int i = 0; i < spaces.length; i++) {
                try {
                    spaces[i].verify();
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(NAME + ": the " + names[i] + " space: " + e.getMessage(), e);
                }
            }
            long[] mapped = new long[spaces.length];
            long[] count = new long[spaces.length];
            map.check((space, start, bytes) -> {
                check(space >= 0 && space < spaces.length, "a region belongs to a space", start);
                check(spaces[space].owns(start + bytes / 2), "a region's space owns it", start);
                mapped[space] += bytes;
                count[space]++;
            });
            for (int i = 0; i < spaces.length; i++) {
                AllocatorStats s = spaces[i].stats();
                check(mapped[i] == s.get(AllocatorStats.RESERVED_BYTES),
                        "the map holds exactly the " + names[i] + " space's reserved bytes", mapped[i]);
                long segs = s.find("segments").orElse(count[i]);
                check(count[i] == segs, "the map holds one region per segment of the " + names[i] + " space", count[i]);
                int own = i;
                spaces[i].walk(new HeapVisitor() {
                    @Override
                    public void allocated(long address, long bytes) {
                        check(map.find(address) == own && map.find(address + bytes - 1) == own,
                                "a live block of the " + names[own] + " space maps to it", address);
                        if (own < LARGE) {
                            check(bytes <= 2 * SMALL_MAX, "a small space holds only small blocks", address);
                        }
                    }

                    @Override
                    public void free(long address, long bytes) {
                        check(map.find(address) == own, "a free span of the " + names[own] + " space maps to it", address);
                    }
                });
            }
        } finally {
            unlockAll();
        }
    }

    private static void check(boolean ok, String what, long at) {
        if (!ok) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what + " (at " + Sizes.hex(at) + ")");
        }
    }

    @Override
    public String toString() {
        return NAME + " (" + SMALL_CLASSES + " small spaces and a large one, " + map.regions() + " regions"
                + (threaded ? ", try-next" : "") + ")";
    }
}
