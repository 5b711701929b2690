package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.alloclab.api.Sizes;

/**
 * What glibc holds for one {@link GlibcAllocator}, read from the arena of each thread that allocates
 * rather than from {@code mallinfo2}, which sums the arenas of the whole process (the JVM's own
 * included). {@link GlibcAllocator} says what the figures mean; this class is how they are read.
 *
 * <h2>What is read, and where it comes from</h2>
 * glibc's internals of 2.27 and later on 64-bit Linux (checked on Debian's 2.36, x86-64), from
 * {@code malloc/malloc.c} and {@code malloc/arena.c}:
 * <pre>
 *   chunk header   p - 8: size | 0x1 PREV_INUSE | 0x2 IS_MMAPPED | 0x4 NON_MAIN_ARENA
 *                  p - 16 of an mmapped chunk: its offset from the start of its own mapping
 *   heap           a thread arena's space: HEAP_MAX_SIZE (64 MiB = 2 × DEFAULT_MMAP_THRESHOLD_MAX) mapped
 *                  at a multiple of that size, read/write up to heap_info.size; heap of a chunk = p &amp; ~(64 MiB - 1)
 *   heap_info      at the heap's base: ar_ptr @0, prev @8, size @16, mprotect_size @24,
 *                  pagesize @32 (2.35+); 48 bytes from 2.35, 32 before
 *   malloc_state   the arena, right after the heap_info of its first heap (a heap never unmapped):
 *                  top @96 (2.27+: after mutex, flags, have_fastchunks, 10 fastbins),
 *                  attached_threads @2176, system_mem @2184 (after 254 bins, the binmap, next, next_free)
 * </pre>
 * An arena's heaps form a list from the one holding {@code top} through {@code prev} to the first, and
 * {@code system_mem} is the sum of their sizes. Blocks of {@code main_arena} (NON_MAIN_ARENA clear) live
 * in the process's {@code brk} heap, which has no such headers.
 *
 * <h2>Which arena</h2>
 * A thread's mallocs come from its arena, except the small blocks its tcache hands back: the thread's
 * frees of other threads' blocks land in its tcache too. So when a block lands in a heap not seen yet,
 * the thread's arena is asked for with a malloc of 4,000 bytes (above the tcache's sizes, below
 * any mmap threshold), and the heap's arena is tracked only if it is that one; otherwise the heap is
 * remembered as foreign to that thread. A thread whose arena is {@code main_arena} switches the tracker
 * off.
 *
 * <h2>How a layout it does not understand is caught</h2>
 * The first header read of a heap goes through {@code process_vm_readv}, which fails instead of crashing
 * when the computed base is not mapped. Each header is checked: {@code ar_ptr} non-null and 16-aligned,
 * {@code size} page-aligned, at most 64 MiB and at most {@code mprotect_size}, the block inside
 * {@code size}, {@code pagesize} the kernel's (2.35+). A new arena is checked further: it sits
 * {@code sizeof(heap_info)} into a heap whose header names it and has no {@code prev}; its {@code top}
 * lies inside the heap the list starts from; the list ends at that first heap within 1,024 heaps; its
 * {@code system_mem} equals the sum of the sizes (retried, as other threads may change the arena); its
 * {@code attached_threads} is a plausible count. A failure — or a {@code glibc.malloc.hugetlb} of 2 or
 * more in {@code GLIBC_TUNABLES} (heaps of another size), a glibc older than 2.27, a
 * {@code process_vm_readv} the system refuses — switches the tracker off for good: {@link #fallback()}
 * says why, and the allocator reports {@code mallinfo2} instead.
 *
 * <h2>Baseline and leftovers</h2>
 * An arena is measured from when it is first seen: its heaps' sizes and resident pages then are the
 * baseline. A thread may be handed an arena an exited thread left, with a free top chunk whose pages are
 * still resident; those pages are recorded and left out of the baseline and of later figures while they
 * stay in the top chunk, and count once blocks take them.
 *
 * <h2>Reading safely</h2>
 * A heap other than an arena's first is unmapped when it empties, possibly while {@code stats()} walks
 * the list on another thread, so its header is read with {@code process_vm_readv} (about 2 µs); the first
 * heap's header and the arena are read directly. Resident pages come from {@code mincore}, which fails
 * harmlessly on an unmapped range.
 *
 * <h2>Cost</h2>
 * Per allocation: a read of the chunk header and a compare with the last heap seen (a scan of the few
 * known heaps when it differs). Per free and reallocation: a header read; an mmapped chunk (128 KiB and
 * up, rare) goes into or out of an {@link AddressTable}. Per {@link #measure}: for each arena (normally
 * one) a walk of its heaps — one direct read, a {@code process_vm_readv} per further heap, a
 * {@code mincore} of each heap's read/write part (16,384 pages at most) — and a {@code mincore} of each
 * live mmapped chunk; a few small objects. A heap seen for the first time costs a probe malloc and a walk.
 *
 * <p>Thread-safe: the per-operation hooks take no lock on their fast path; the first sight of a heap and
 * {@link #measure} take this object's lock.
 */
@SuppressWarnings("restricted")
final class ArenaFootprint {

    /** {@code HEAP_MAX_SIZE} on 64-bit: heaps are mapped at this size and aligned to it. */
    static final long HEAP_MAX_SIZE = 64L << 20;
    private static final long HEAP_MASK = ~(HEAP_MAX_SIZE - 1);

    private static final long IS_MMAPPED = 0x2;
    private static final long NON_MAIN_ARENA = 0x4;
    private static final long FLAGS = 0x7;

    private static final long AR_PTR = 0;
    private static final long PREV = 8;
    private static final long SIZE = 16;
    private static final long MPROTECT_SIZE = 24;
    private static final long PAGESIZE = 32;

    private static final long TOP = 96;
    private static final long ATTACHED_THREADS = 2176;
    private static final long SYSTEM_MEM = 2184;

    /** Heaps walked per arena at most: 1,024 × 64 MiB, far beyond any run; more means a broken list. */
    private static final int MAX_HEAPS = 1024;
    private static final int RETRIES = 5;
    private static final int EFAULT = 14;
    /** Stands for main_arena where a heap base is expected (heap bases are multiples of 64 MiB). */
    private static final long MAIN = -2;
    /** A malloc size above the tcache's largest (1,032 bytes) and below any mmap threshold (128 KiB and up). */
    private static final long PROBE = 4000;
    /** (heap, thread) pairs remembered as foreign at most. */
    private static final int MAX_FOREIGN = 256;

    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG;

    /** What glibc's version says heap_info is: 48 bytes with {@code pagesize} from 2.35, else 32; 0 before 2.27 or unknown. */
    static final long HEAP_INFO_SIZE = heapInfoSize(Libc.version());

    private final long page = Libc.PAGE_SIZE;

    /** Why the arena figures are not used, or null while they are. */
    private volatile String fallback;
    /** The heap of the last block seen: the per-allocation fast path compares with it. */
    private volatile long lastHeap = -1;
    /** Every heap of the tracked arenas as of the last walk or registration; small, replaced whole. */
    private volatile long[] knownHeaps = new long[0];
    /** Heaps (or {@link #MAIN}) a thread found its blocks in that are not its arena's: pairs, replaced whole. */
    private volatile Foreign foreign = new Foreign(new long[0], new Thread[0]);

    private record Foreign(long[] heaps, Thread[] threads) {
    }

    /** Live mmapped chunks of this allocator: mapping start → mapping length. */
    private final AddressTable mmapped = new AddressTable();

    // guarded by this
    private final Map<Long, Tracked> arenas = new LinkedHashMap<>();
    private final Arena scratchArena = Arena.ofShared();
    /** Two {@code struct iovec}: local (the buffer), remote (the header read). */
    private final MemorySegment iovecs = scratchArena.allocate(32, 16);
    private final MemorySegment buffer = scratchArena.allocate(64, 16);
    private final MemorySegment callState = scratchArena.allocate(Libc.callState());
    /** {@code mincore} over up to one heap (64 MiB) of pages a call. */
    private final Mincore mincore;
    private final MemorySegment vector;
    /** A heap list as walked: base, size pairs. */
    private long[] walked = new long[8];
    private int walkedCount;
    private String walkFault;

    /**
     * One arena holding this allocator's blocks, and what its heaps held when it was first seen. An arena
     * left by an exited thread (glibc hands it to the next new thread) may come with a large free top
     * chunk whose pages its previous owner touched: those resident pages are remembered as
     * {@code leftover} and not counted as this allocator's while they stay in the top chunk.
     */
    private static final class Tracked {
        final long arena;
        final long firstHeap;
        long baseSize;
        long baseResident;
        /** The heap that held top when first seen, the page index where {@link #leftover} starts in it. */
        long leftoverHeap;
        long leftoverFirstPage;
        /** mincore bytes of the top chunk's whole pages when first seen (bit 0: resident), or null. */
        byte[] leftover;
        long size;
        long resident;
        long threads;

        Tracked(long arena, long firstHeap) {
            this.arena = arena;
            this.firstHeap = firstHeap;
        }
    }

    /** The figures of one {@link #measure}. */
    record Figures(long heapBytes, long heapGrowth, long heapResident, long heapResidentGrowth,
                   long mmappedBytes, long mmappedResident, int arenas, long arenaThreads) {
        /** Growth of the heaps (read/write size or resident, whichever grew more) plus live mmapped chunks. */
        long committed() {
            return Math.max(heapGrowth, heapResidentGrowth) + mmappedBytes;
        }

        /** Resident growth of the heaps plus resident pages of live mmapped chunks. */
        long resident() {
            return heapResidentGrowth + mmappedResident;
        }
    }

    ArenaFootprint() {
        mincore = new Mincore(scratchArena, Math.max(1, HEAP_MAX_SIZE / Math.max(1, page)));
        vector = mincore.vector();
        fallback = unsupported();
    }

    private static long heapInfoSize(String version) {
        if (version == null) {
            return 0;
        }
        String[] v = version.split("\\.");
        try {
            int major = Integer.parseInt(v[0]);
            int minor = v.length > 1 ? Integer.parseInt(v[1].replaceAll("\\D.*", "")) : 0;
            if (major != 2 || minor < 27) {
                return 0;
            }
            return minor >= 35 ? 48 : 32;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private String unsupported() {
        if (HEAP_INFO_SIZE == 0) {
            return "glibc " + Libc.version() + " is not a version whose heap layout is known (2.27 or newer)";
        }
        if (page <= 0 || Long.bitCount(page) != 1 || page > HEAP_MAX_SIZE) {
            return "the page size " + page + " is not usable";
        }
        String tunables = System.getenv("GLIBC_TUNABLES");
        if (tunables != null) {
            for (String t : tunables.split(":")) {
                if (t.startsWith("glibc.malloc.hugetlb=") && !t.endsWith("=0") && !t.endsWith("=1")) {
                    return "GLIBC_TUNABLES sets " + t + ": heaps are not " + Sizes.format(HEAP_MAX_SIZE) + " apart";
                }
            }
        }
        return null;
    }

    /** Why the arena figures are not used (the allocator reports mallinfo2 instead), or null while they are. */
    String fallback() {
        return fallback;
    }

    // ---- per operation ---------------------------------------------------------------------------

    /** {@code address} was just handed out by malloc, aligned_alloc or realloc. */
    void allocated(long address) {
        long head = ALL.get(WORD, address - 8);
        if ((head & IS_MMAPPED) != 0) {
            long offset = ALL.get(WORD, address - 16);
            long start = address - 16 - offset;
            long length = offset + (head & ~FLAGS);
            if (((start | length) & (page - 1)) != 0 || length <= 0) {
                giveUp("the mmapped chunk of the block at " + Sizes.hex(address) + " has header " + Sizes.hex(head)
                        + " and offset " + offset + ": not a page-aligned mapping");
                return;
            }
            mmapped.put(start, length);
            return;
        }
        if (fallback != null) {
            return;
        }
        long heap = (head & NON_MAIN_ARENA) != 0 ? address & HEAP_MASK : MAIN;
        if (heap != lastHeap && !known(heap)) {
            firstSight(heap, address);
        }
    }

    /**
     * Whether {@code heap} is one of the tracked arenas' (then it becomes {@link #lastHeap}) or one this
     * thread found foreign.
     */
    private boolean known(long heap) {
        for (long h : knownHeaps) {
            if (h == heap) {
                lastHeap = heap;
                return true;
            }
        }
        Foreign f = foreign;
        Thread self = Thread.currentThread();
        for (int i = 0; i < f.heaps.length; i++) {
            if (f.heaps[i] == heap && f.threads[i] == self) {
                return true;
            }
        }
        return false;
    }

    /** {@code address}, a live block, is about to be freed or reallocated. */
    void freeing(long address) {
        long head = ALL.get(WORD, address - 8);
        if ((head & IS_MMAPPED) != 0) {
            long start = address - 16 - ALL.get(WORD, address - 16);
            mmapped.remove(start);   // not there only if allocated() refused its header
        }
    }

    // ---- registration ------------------------------------------------------------------------------

    /**
     * A block in a heap not known yet: the calling thread's own arena, a new heap of it, or — when the
     * block came out of the thread's tcache, where the thread's frees of other threads' blocks go —
     * another thread's arena, which is remembered as foreign to this thread and not tracked.
     */
    private synchronized void firstSight(long heap, long address) {
        if (fallback != null || known(heap)) {
            return;
        }
        long own = threadArena();
        if (own == 0) {
            return;
        }
        if (heap == MAIN) {
            if (own == MAIN) {
                giveUp("this thread's arena is main_arena (the process's brk heap, which has no heap headers and "
                        + "which the JVM shares): a thread gets it when the process has used up its arenas");
            } else {
                addForeign(heap);
            }
            return;
        }
        if (!readHeader(heap, false)) {
            giveUp("the block at " + Sizes.hex(address) + ": " + walkFault);
            return;
        }
        long arena = buffer.get(WORD, AR_PTR);
        String bad = checkHeader(heap, address);
        if (bad != null) {
            giveUp("the heap at " + Sizes.hex(heap) + " of the block at " + Sizes.hex(address) + ": " + bad);
            return;
        }
        if (arena != own) {
            addForeign(heap);
            return;
        }
        if (!arenas.containsKey(arena) && !register(arena)) {
            return;
        }
        if (!walk(arenas.get(arena))) {
            giveUp(walkFault);
            return;
        }
        rememberWalkedHeaps();
        if (!contains(knownHeaps, heap)) {
            giveUp("the heap at " + Sizes.hex(heap) + " of the block at " + Sizes.hex(address)
                    + " names arena " + Sizes.hex(arena) + " but is not in its list of heaps");
            return;
        }
        lastHeap = heap;
    }

    /**
     * The calling thread's arena ({@link #MAIN} for main_arena), found by a malloc of {@link #PROBE} bytes,
     * which glibc serves from the thread's arena and never from its tcache; 0 (the tracker off) when that
     * cannot be told.
     */
    private long threadArena() {
        long probe = Libc.allocate(PROBE, Libc.MALLOC_ALIGNMENT);
        if (probe == 0) {
            giveUp("malloc(" + PROBE + ") failed: the thread's arena cannot be told");
            return 0;
        }
        try {
            long head = ALL.get(WORD, probe - 8);
            if ((head & IS_MMAPPED) != 0) {
                giveUp("malloc(" + PROBE + ") was mmapped (a mmap threshold set that low): the thread's arena cannot be told");
                return 0;
            }
            if ((head & NON_MAIN_ARENA) == 0) {
                return MAIN;
            }
            long heap = probe & HEAP_MASK;
            if (!readHeader(heap, false)) {
                giveUp("the probe block at " + Sizes.hex(probe) + ": " + walkFault);
                return 0;
            }
            String bad = checkHeader(heap, probe);
            if (bad != null) {
                giveUp("the heap at " + Sizes.hex(heap) + " of the probe block at " + Sizes.hex(probe) + ": " + bad);
                return 0;
            }
            return buffer.get(WORD, AR_PTR);
        } finally {
            Libc.free(probe);
        }
    }

    private void addForeign(long heap) {
        Foreign f = foreign;
        if (f.heaps.length >= MAX_FOREIGN) {
            return;   // then such blocks take the slow path each time; correct, only slower
        }
        long[] heaps = Arrays.copyOf(f.heaps, f.heaps.length + 1);
        Thread[] threads = Arrays.copyOf(f.threads, f.threads.length + 1);
        heaps[heaps.length - 1] = heap;
        threads[threads.length - 1] = Thread.currentThread();
        foreign = new Foreign(heaps, threads);
    }

    /** Checks and records a new arena; false (and the tracker off) when its layout is not understood. */
    private boolean register(long arena) {
        long firstHeap = arena & HEAP_MASK;
        if (arena - firstHeap != HEAP_INFO_SIZE) {
            giveUp("arena " + Sizes.hex(arena) + " is not " + HEAP_INFO_SIZE + " bytes into a heap");
            return false;
        }
        if (!readHeader(firstHeap, false)) {
            giveUp("arena " + Sizes.hex(arena) + ": " + walkFault);
            return false;
        }
        if (buffer.get(WORD, AR_PTR) != arena || buffer.get(WORD, PREV) != 0) {
            giveUp("the heap before arena " + Sizes.hex(arena) + " names arena " + Sizes.hex(buffer.get(WORD, AR_PTR))
                    + " and previous heap " + Sizes.hex(buffer.get(WORD, PREV)));
            return false;
        }
        var t = new Tracked(arena, firstHeap);
        String fault = null;
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            if (!walk(t)) {
                fault = walkFault;
            } else {
                long systemMem = ALL.get(WORD, arena + SYSTEM_MEM);
                long threads = ALL.get(WORD, arena + ATTACHED_THREADS);
                if (systemMem != t.size) {
                    fault = "arena " + Sizes.hex(arena) + ": system_mem " + systemMem + " is not the sum of its heap sizes "
                            + t.size;
                } else if (threads < 1 || threads > 1_000_000) {
                    fault = "arena " + Sizes.hex(arena) + ": attached_threads " + threads + " is not a thread count";
                } else {
                    fault = null;
                    break;
                }
            }
            Thread.onSpinWait();
        }
        if (fault != null) {
            giveUp(fault);
            return false;
        }
        rememberLeftover(t);
        arenas.put(arena, t);
        return true;
    }

    private String checkHeader(long heap, long address) {
        long arena = buffer.get(WORD, AR_PTR);
        long size = buffer.get(WORD, SIZE);
        long protectedSize = buffer.get(WORD, MPROTECT_SIZE);
        if (arena == 0 || (arena & 15) != 0) {
            return "ar_ptr " + Sizes.hex(arena) + " is not an arena";
        }
        if (size <= 0 || size > HEAP_MAX_SIZE || (size & (page - 1)) != 0) {
            return "size " + size + " is not a page multiple up to " + Sizes.format(HEAP_MAX_SIZE);
        }
        if (protectedSize < size || protectedSize > HEAP_MAX_SIZE) {
            return "mprotect_size " + protectedSize + " is not between size " + size + " and " + Sizes.format(HEAP_MAX_SIZE);
        }
        if (HEAP_INFO_SIZE == 48 && buffer.get(WORD, PAGESIZE) != page) {
            return "pagesize " + buffer.get(WORD, PAGESIZE) + " is not the page size " + page;
        }
        if (address != 0 && (address - heap < HEAP_INFO_SIZE || address - heap >= size)) {
            return "the block is not inside the heap's " + size + " bytes";
        }
        return null;
    }

    // ---- reading -----------------------------------------------------------------------------------

    /**
     * Reads the heap_info at {@code heap} into {@link #buffer}: directly when {@code direct} (an arena's
     * first heap, never unmapped), else with process_vm_readv. False, with {@link #walkFault} saying why,
     * when nothing is mapped there; a process_vm_readv the system refuses switches the tracker off.
     */
    private boolean readHeader(long heap, boolean direct) {
        if (direct) {
            MemorySegment.copy(ALL, heap, buffer, 0, HEAP_INFO_SIZE);
            return true;
        }
        iovecs.set(WORD, 0, buffer.address());
        iovecs.set(WORD, 8, HEAP_INFO_SIZE);
        iovecs.set(WORD, 16, heap);
        iovecs.set(WORD, 24, HEAP_INFO_SIZE);
        long read = Libc.readSelf(callState, iovecs.address());
        if (read == HEAP_INFO_SIZE) {
            return true;
        }
        int errno = read < 0 ? Libc.errno(callState) : EFAULT;
        if (errno == EFAULT) {
            walkFault = "no heap header is mapped at " + Sizes.hex(heap);
        } else {
            walkFault = "process_vm_readv of this process fails with errno " + errno
                    + " (a seccomp filter, or a kernel without it): heap headers cannot be read safely";
            giveUp(walkFault);
        }
        return false;
    }

    /**
     * Walks the heaps of {@code t}'s arena from the one holding {@code top} to the first, into
     * {@link #walked}; sets {@code t.size} and {@code t.resident}. False with {@link #walkFault} set
     * when the list is not what it should be (or changed under the walk).
     */
    private boolean walk(Tracked t) {
        long top = ALL.get(WORD, t.arena + TOP);
        long heap = top & HEAP_MASK;
        walkedCount = 0;
        long size = 0;
        long resident = 0;
        for (int n = 0; ; n++) {
            if (n == MAX_HEAPS) {
                walkFault = "arena " + Sizes.hex(t.arena) + ": more than " + MAX_HEAPS + " heaps, the list is broken";
                return false;
            }
            if (!readHeader(heap, heap == t.firstHeap)) {
                return false;
            }
            String bad = checkHeader(heap, 0);
            if (bad == null && buffer.get(WORD, AR_PTR) != t.arena) {
                bad = "it names arena " + Sizes.hex(buffer.get(WORD, AR_PTR));
            }
            long heapSize = buffer.get(WORD, SIZE);
            if (bad == null && n == 0 && (top - heap < HEAP_INFO_SIZE || top - heap >= heapSize)) {
                bad = "top " + Sizes.hex(top) + " is not inside it";
            }
            if (bad != null) {
                walkFault = "arena " + Sizes.hex(t.arena) + ", heap " + Sizes.hex(heap) + ": " + bad;
                return false;
            }
            long prev = buffer.get(WORD, PREV);
            if (walkedCount * 2 == walked.length) {
                walked = Arrays.copyOf(walked, walked.length * 2);
            }
            walked[2 * walkedCount] = heap;
            walked[2 * walkedCount + 1] = heapSize;
            walkedCount++;
            size += heapSize;
            resident += resident(heap, heapSize);
            if (n == 0 && heap == t.leftoverHeap && t.leftover != null) {
                resident -= leftoverStillInTop(t, top, heapSize);   // the vector still holds this heap
            }
            if (heap == t.firstHeap) {
                if (prev != 0) {
                    walkFault = "arena " + Sizes.hex(t.arena) + ": its first heap has a previous heap " + Sizes.hex(prev);
                    return false;
                }
                break;
            }
            if (prev == 0 || (prev & ~HEAP_MASK) != 0) {
                walkFault = "arena " + Sizes.hex(t.arena) + ", heap " + Sizes.hex(heap) + ": previous heap "
                        + Sizes.hex(prev) + " is not a heap base, and the first heap was not reached";
                return false;
            }
            heap = prev;
        }
        t.size = size;
        t.resident = resident;
        t.threads = ALL.get(WORD, t.arena + ATTACHED_THREADS);
        return true;
    }

    /** The first whole page of the top chunk at {@code top}, as an index into its heap's pages. */
    private long topFirstPage(long top) {
        return ((top & ~HEAP_MASK) + 2 * Libc.CHUNK_HEADER + page - 1) / page;
    }

    /**
     * After the first walk of {@code t}: records which whole pages of the free top chunk are resident
     * (left by the arena's previous owner) and takes them out of the baseline.
     */
    private void rememberLeftover(Tracked t) {
        t.baseSize = t.size;
        t.baseResident = t.resident;
        long top = ALL.get(WORD, t.arena + TOP);
        long heap = top & HEAP_MASK;
        long heapPages = -1;
        for (int i = 0; i < walkedCount; i++) {
            if (walked[2 * i] == heap) {
                heapPages = walked[2 * i + 1] / page;
            }
        }
        long first = topFirstPage(top);
        if (heapPages <= first || !Libc.mincore(heap + first * page, (heapPages - first) * page, vector.address())) {
            return;
        }
        byte[] pages = new byte[(int) (heapPages - first)];
        MemorySegment.copy(vector, ValueLayout.JAVA_BYTE, 0, pages, 0, pages.length);
        long count = 0;
        for (byte b : pages) {
            count += b & 1;
        }
        if (count > 0) {
            t.leftoverHeap = heap;
            t.leftoverFirstPage = first;
            t.leftover = pages;
            t.baseResident -= count * page;
        }
    }

    /**
     * Bytes of {@code t}'s leftover pages that are still resident and still inside the top chunk at
     * {@code top}; {@link #vector} holds the mincore of the whole heap.
     */
    private long leftoverStillInTop(Tracked t, long top, long heapSize) {
        long from = Math.max(topFirstPage(top), t.leftoverFirstPage);
        long to = Math.min(heapSize / page, t.leftoverFirstPage + t.leftover.length);
        long count = 0;
        for (long i = from; i < to; i++) {
            count += vector.get(ValueLayout.JAVA_BYTE, i) & t.leftover[(int) (i - t.leftoverFirstPage)] & 1;
        }
        return count * page;
    }

    /** Resident bytes of the page-aligned range, by mincore; 0 when it is not mapped. */
    private long resident(long start, long length) {
        return mincore.resident(start, length);
    }

    private void rememberWalkedHeaps() {
        var heaps = new ArrayList<Long>();
        for (long h : knownHeaps) {
            heaps.add(h);
        }
        boolean changed = false;
        for (int i = 0; i < walkedCount; i++) {
            if (!heaps.contains(walked[2 * i])) {
                heaps.add(walked[2 * i]);
                changed = true;
            }
        }
        if (changed) {
            knownHeaps = heaps.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static boolean contains(long[] a, long v) {
        for (long x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private void giveUp(String why) {
        if (fallback == null) {
            fallback = why;
        }
    }

    // ---- measuring ---------------------------------------------------------------------------------

    /**
     * The arenas' figures now, or null when the tracker is off ({@link #fallback()}). A walk that fails is
     * retried; one that keeps failing switches the tracker off.
     */
    synchronized Figures measure() {
        if (fallback != null) {
            return null;
        }
        long heapBytes = 0;
        long heapGrowth = 0;
        long heapResident = 0;
        long residentGrowth = 0;
        long threads = 0;
        var seen = new ArrayList<Long>();
        for (Tracked t : arenas.values()) {
            boolean ok = false;
            for (int attempt = 0; attempt < RETRIES && !ok; attempt++) {
                ok = walk(t);
            }
            if (!ok) {
                giveUp(walkFault);
                return null;
            }
            for (int i = 0; i < walkedCount; i++) {
                seen.add(walked[2 * i]);
            }
            heapBytes += t.size;
            heapResident += t.resident;
            heapGrowth += Math.max(0, t.size - t.baseSize);
            residentGrowth += Math.max(0, t.resident - t.baseResident);
            threads = Math.max(threads, t.threads);
        }
        if (seen.size() != knownHeaps.length || !seen.stream().allMatch(h -> contains(knownHeaps, h))) {
            knownHeaps = seen.stream().mapToLong(Long::longValue).toArray();   // a heap went away, or came
            lastHeap = -1;
        }
        long[] mapped = {0, 0};
        mmapped.forEach((start, length) -> {
            mapped[0] += length;
            mapped[1] += resident(start, length);
        });
        return new Figures(heapBytes, heapGrowth, heapResident, residentGrowth, mapped[0], mapped[1],
                arenas.size(), threads);
    }

    /** Frees the scratch buffers; the tracker is off afterwards. */
    synchronized void close() {
        giveUp("the allocator is closed");
        scratchArena.close();
    }
}
