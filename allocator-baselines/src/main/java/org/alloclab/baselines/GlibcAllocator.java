package org.alloclab.baselines;

import java.util.concurrent.atomic.AtomicBoolean;

import org.alloclab.api.AllocatorStats;

/**
 * {@code glibc}: the C library's {@code malloc} — ptmalloc2, Doug Lea's dlmalloc made multi-arena by
 * Wolfram Gloger — the allocator every C program on Linux gets by default. Calls go straight to the
 * {@code malloc} the JVM itself runs on, through critical FFM downcalls ({@link Libc}).
 *
 * <pre>
 *   allocate(size, align ≤ 16)  →  malloc(size)                  glibc aligns every block to 16
 *   allocate(size, align > 16)  →  aligned_alloc(align, size)
 *   reallocate(p, n)            →  realloc(p, n)                 in place when the chunk can grow
 *   free(p)                     →  free(p)
 *   usableSize(p)               →  malloc_usable_size(p)
 *   committed_bytes             =  growth of this thread's arena (heap_info.size or resident pages,
 *                                  whichever grew more) + live mmapped chunks; see below
 *   resident_bytes              =  resident growth of that arena (mincore) + resident live mmapped chunks
 * </pre>
 *
 * <h2>Footprint: the thread's arena, not the process</h2>
 * glibc gives each thread an <em>arena</em> on its first {@code malloc} and serves the thread from it. A
 * thread arena is a list of heaps, each a 64 MiB reservation read/write up to {@code heap_info.size}
 * (what glibc has committed: it grows as blocks need it and shrinks when glibc trims the top); blocks from
 * 128 KiB up (the mmap threshold, which glibc raises as such blocks are freed, up to 32 MiB) are mmapped
 * on their own instead. {@code mallinfo2} sums every arena of the process, the JVM's JIT compilers, GC and
 * class loading included, so its growth says little about this allocator. The harness runs each replay
 * on a new platform thread; {@link ArenaFootprint} finds that thread's arena from the first block (chunk
 * header and {@code heap_info}: glibc internals, read deliberately — the layout of glibc 2.27 and later,
 * checked, and the reading switched off when it is not that layout) and measures it directly:
 * <ul>
 *   <li>{@code committed_bytes}: growth, since the arena was first seen, of the sum of its heaps'
 *       {@code size}s or of their resident pages, whichever grew more, plus the mapping lengths of this
 *       allocator's live mmapped chunks. The resident growth matters when the thread was handed an arena
 *       an exited thread left (glibc does that before it makes a new one: each run after the first gets
 *       the previous run's arena). Such an arena keeps its size, free space included, so its size does
 *       not grow while the replay refills it; but {@code malloc_trim} at creation made that free space
 *       non-resident, and what the replay touches becomes resident again. Resident pages of a free top
 *       chunk the previous owner left are not counted until a block takes them.</li>
 *   <li>{@code resident_bytes}: that resident growth alone, plus resident pages of live mmapped chunks.
 *       A free gives no page back: glibc keeps freed pages resident until it trims the heap's top (not
 *       below the highest live block) or {@code malloc_trim} runs.</li>
 * </ul>
 * Counted with this allocator's blocks: what the JVM itself mallocs on the same thread (handle blocks,
 * resource areas: some hundreds of KiB). Not counted: the few blocks a thread's tcache hands back that
 * belong to other arenas (its frees of other threads' blocks land there); {@code glibc_arenas} counts
 * only the allocating threads' own arenas, summed when several threads allocate.
 *
 * <h3>An arena of its own: MALLOC_ARENA_MAX</h3>
 * glibc caps the arenas at 8 per core (16 on 2 cores) and fixes that cap the first time a thread finds
 * more than 8 arenas — while the JVM starts, since its threads each take one. {@code mallopt(M_ARENA_MAX)}
 * afterwards is accepted and ignored (checked on glibc 2.36), so this class does not call it. Past the
 * cap a new thread is handed an existing arena in turn: often an idle JVM thread's (harmless), perhaps a
 * JIT compiler's (noisy), perhaps {@code main_arena} (no heap headers: the fallback below).
 * {@code glibc_arena_threads} says how many threads share the arena. Start the JVM with
 * {@code MALLOC_ARENA_MAX=1024} (or {@code GLIBC_TUNABLES=glibc.malloc.arena_max=1024}) in its environment
 * for an arena no other thread uses; this module's tests do.
 *
 * <h3>Fallback: mallinfo2</h3>
 * When the thread's arena is {@code main_arena}, or the heap layout is not the one expected,
 * {@code committed_bytes} is the growth of {@code mallinfo2}'s {@code arena + hblkhd} since creation (after
 * a {@code malloc_trim(0)}), or of {@code uordblks + hblkhd} when that grew more, never below 0; no
 * {@code resident_bytes} is reported, {@code glibc_arena_measure} is 0 and one line on stderr per process
 * says why. That figure is the process's, the JVM's mallocs and frees on other threads included: on the
 * three reference traces it read 0.9 to 1.3 times the arena's. The process-wide {@code mallinfo2} fields
 * are reported in any case ({@code process_*}).
 * {@code overhead_bytes} is glibc's 8-byte size word in front of each live block ({@code SIZE_SZ});
 * padding for alignment and the second word of mmapped chunks are not counted.
 *
 * <h2>As a new process: the thresholds</h2>
 * glibc serves blocks from 128 KiB up with mappings of their own and trims a heap whose free top passes
 * 128 KiB — at first: freeing such a mapped block raises both thresholds to its size (the <em>dynamic</em>
 * threshold, up to 32 MiB), and the JVM has freed many before alloclab runs. Each new allocator puts them
 * back as a new C process has them, the dynamic adjustment on ({@link MallocParameters}, which says how,
 * and what happens where that cannot be done), so a replay sees the thresholds the traced program saw and
 * raises them as it would. The JVM's own mallocs share them.
 *
 * <h2>Tracking and its cost</h2>
 * Freeing an address glibc never handed out aborts the process ("free(): invalid pointer"), so every
 * block's address and requested size go into an {@link AddressTable} — a striped primitive hash table,
 * 24 to 48 bytes of Java heap per live block and one uncontended lock per operation — and a free, a
 * reallocation or a usable-size query of an address that is not a live block throws before glibc sees
 * it. The tracking is part of every latency measured for this baseline, and so is the footprint's: a
 * read of the chunk header per allocation, free and reallocation. {@code stats()} walks the arena's heaps
 * and asks {@code mincore} about them and {@code mallinfo2} about the process: 30 to 80 µs with a 48 MiB
 * heap here. {@code close()} frees every block still live and calls {@code malloc_trim(0)}.
 *
 * <p>Thread-safe, as glibc is.
 */
public final class GlibcAllocator extends NativeHeapAllocator {

    /** Printed once per process: when the arena figures cannot be used, when the arena is shared. */
    private static final AtomicBoolean FALLBACK_TOLD = new AtomicBoolean();
    private static final AtomicBoolean SHARED_TOLD = new AtomicBoolean();
    private static final AtomicBoolean DYNAMIC_TOLD = new AtomicBoolean();

    private final ArenaFootprint arena = new ArenaFootprint();
    private final Libc.MallInfo baseline;

    /**
     * A new view of the C heap.
     *
     * @throws IllegalStateException when this is not 64-bit Linux with glibc 2.33 or newer
     */
    public GlibcAllocator() {
        super("glibc");
        Libc.requireAvailable();
        if (!MallocParameters.makeFresh() && DYNAMIC_TOLD.compareAndSet(false, true)) {
            System.err.println("alloclab: glibc: thresholds pinned at 128 KiB, glibc's dynamic mmap threshold off: "
                    + MallocParameters.fault());
        }
        Libc.trim();
        this.baseline = Libc.mallinfo();
    }

    @Override
    long nativeAllocate(long size, long alignment) {
        long address = Libc.allocate(size, alignment);
        if (address != 0) {
            arena.allocated(address);
        }
        return address;
    }

    @Override
    long nativeReallocate(long address, long newSize) {
        arena.freeing(address);
        long moved = Libc.realloc(address, newSize);
        arena.allocated(moved != 0 ? moved : address);
        return moved;
    }

    @Override
    void nativeFree(long address) {
        arena.freeing(address);
        Libc.free(address);
    }

    @Override
    long nativeUsableSize(long address) {
        return Libc.usableSize(address);
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        ArenaFootprint.Figures f = arena.measure();
        Libc.MallInfo m = Libc.mallinfo();
        long committed;
        if (f != null) {
            committed = f.committed();
            extra.bytes("resident_bytes", f.resident(), "resident pages grown in this allocator's arena heaps since first seen, plus those of its live mmapped chunks (mincore)")
                    .bytes("glibc_heap_bytes", f.heapBytes(), "heap_info.size summed over the heaps of this allocator's arenas: read/write heap space, absolute")
                    .bytes("glibc_heap_resident_bytes", f.heapResident(), "resident pages of those heaps (mincore), absolute")
                    .bytes("glibc_mmapped_bytes", f.mmappedBytes(), "this allocator's live chunks mmapped on their own, mapping lengths")
                    .bytes("glibc_mmapped_resident_bytes", f.mmappedResident(), "resident pages of those chunks (mincore)")
                    .count("glibc_arenas", f.arenas(), "arenas holding this allocator's heap blocks (one per allocating thread at best)")
                    .count("glibc_arena_threads", f.arenaThreads(), "threads attached to the busiest of those arenas: above 1 the JVM shares it (see the class comment)");
            if (f.arenaThreads() > 1 && f.arenas() == 1 && SHARED_TOLD.compareAndSet(false, true)) {
                System.err.println("alloclab: glibc: the allocating thread shares its arena with " + (f.arenaThreads() - 1)
                        + " other thread(s), whose mallocs count in its footprint (glibc's arena cap was reached as the "
                        + "JVM started); run with MALLOC_ARENA_MAX=1024 in the environment for an arena of its own");
            }
        } else {
            committed = Math.max(0, Math.max(m.footprint() - baseline.footprint(), m.used() - baseline.used()));
            if (FALLBACK_TOLD.compareAndSet(false, true)) {
                System.err.println("alloclab: glibc: footprint from mallinfo2 (whole process, JVM included): "
                        + arena.fallback());
            }
        }
        extra.count("glibc_dynamic_threshold", MallocParameters.dynamic() ? 1 : 0, "1: glibc's dynamic mmap threshold is on, as in a new process (see MallocParameters); 0: pinned at 128 KiB")
                .count("glibc_arena_measure", f != null ? 1 : 0, "1: committed/resident read from this allocator's arena; 0: from mallinfo2, process-wide (see the class comment)")
                .bytes("process_heap_bytes", m.arena(), "mallinfo2 arena: heap space of every arena, whole process")
                .bytes("process_mmapped_bytes", m.mmapped(), "mallinfo2 hblkhd: chunks mmapped on their own, whole process")
                .bytes("process_in_use_bytes", m.inUse(), "mallinfo2 uordblks: bytes in heap chunks in use, whole process")
                .bytes("process_free_bytes", m.free(), "mallinfo2 fordblks: bytes in free heap chunks, whole process");
        return committed;
    }

    /** Why committed_bytes comes from mallinfo2 rather than this allocator's arena, or null when it does not. */
    String footprintFallback() {
        return arena.fallback();
    }

    @Override
    long overheadBytes(long liveBlocks) {
        return liveBlocks * Libc.CHUNK_HEADER;
    }

    @Override
    void released() {
        Libc.trim();
        arena.close();
    }
}
