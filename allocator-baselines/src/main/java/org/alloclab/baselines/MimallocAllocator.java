package org.alloclab.baselines;

import org.alloclab.api.AllocatorStats;

/**
 * {@code mimalloc}: Daan Leijen's allocator (Microsoft Research) — free-list sharding, one free list per
 * 64 KiB page instead of per size class, thread-local heaps whose cross-thread frees go to a separate
 * list, segments of 32 MiB, pages purged after a short delay. The library is the system's
 * ({@link Mimalloc}), with its defaults, over an arena in address space alloclab reserved.
 *
 * <pre>
 *   allocate(size, align)     →  mi_malloc(size)                    align ≤ 8, or ≤ 16 for 16 bytes and more
 *                             →  mi_malloc_aligned(size, align)     otherwise
 *   reallocate(p, n)          →  mi_realloc(p, n)
 *   free(p)                   →  mi_free(p)
 *   usableSize(p)             →  mi_usable_size(p)
 *   committed_bytes           =  resident pages of mimalloc's arena (mincore)
 * </pre>
 *
 * <h2>Footprint</h2>
 * The pages of the arena that are resident: what mimalloc has committed and touched, its segment metadata
 * included, as a C program's resident memory would show it ({@link Mimalloc} says how the arena is found).
 * The heap is the process's, shared by every {@code mimalloc} allocator alive: creation and {@code close()}
 * call {@code mi_collect(true)} on the calling thread, which gives its free pages and empty segments back.
 * The count is the arena's whole resident set, which was empty when it was created: a C program's resident
 * growth since it started. Pages earlier replays left resident count for the next, which mostly reuses
 * them (see {@link TcmallocAllocator} for why not growth since creation). {@code overhead_bytes} is 0: mimalloc keeps no header
 * beside a block.
 *
 * <h2>Tracking and its cost</h2>
 * As for {@link GlibcAllocator}: an {@link AddressTable} of live blocks makes a bad free an exception before
 * mimalloc sees it; each allocation also compares its end with the highest seen, which bounds the
 * {@code mincore} of the arena.
 *
 * <p>Thread-safe, as mimalloc is.
 */
public final class MimallocAllocator extends NativeHeapAllocator {

    private static final Calls CALLS = new Calls(Mimalloc::allocate, Mimalloc::realloc, Mimalloc::free, Mimalloc::usableSize);

    /**
     * A new view of the system's mimalloc heap.
     *
     * @throws IllegalStateException saying what to install, when the library cannot be loaded
     */
    public MimallocAllocator() {
        super("mimalloc", CALLS);
        Mimalloc.requireAvailable();
        Mimalloc.collect();
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        long resident = Mimalloc.resident();
        extra.bytes("resident_bytes", resident, "resident pages (mincore) of mimalloc's arena (empty when created, at the first allocator)")
                .count("mimalloc_misaligned_retries", Mimalloc.misaligned(), "aligned allocations mimalloc 2.0.9 misaligned, asked again one byte larger (process-wide)")
                .bytes("mimalloc_outside_bytes", Mimalloc.outsideBytes(), "bytes of blocks mimalloc placed outside its arena (it was full): not in the footprint");
        return resident;
    }

    @Override
    void released() {
        Mimalloc.collect();
    }
}
