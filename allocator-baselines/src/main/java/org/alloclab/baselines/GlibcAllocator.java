package org.alloclab.baselines;

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
 *   committed_bytes             =  mallinfo2: growth of arena + hblkhd since creation, or of
 *                                  uordblks + hblkhd when that grew more
 * </pre>
 *
 * <h2>Footprint</h2>
 * What glibc holds from the system is {@code mallinfo2}'s {@code arena} (heap space of every arena) plus
 * {@code hblkhd} (chunks mmapped on their own). That heap is the process's: the JVM's JIT, garbage
 * collector and class loading call {@code malloc} on other threads at the same time, and their use is
 * counted too. So {@code committed_bytes} is a growth since this allocator was created, never below 0,
 * with the baseline taken after a {@code malloc_trim(0)}; and it is the larger of two growths:
 * <ul>
 *   <li>of {@code arena + hblkhd}, what glibc took from the system — this misses blocks placed in free
 *       space the heap already held (left by the JVM or an earlier allocator: {@code malloc_trim}
 *       returns such pages to the kernel but the arena keeps their addresses), which would make the
 *       footprint look smaller than the live bytes;</li>
 *   <li>of {@code uordblks + hblkhd}, what is in use in chunks — this misses the free space a workload
 *       leaves behind, but never falls below the chunks of the live blocks.</li>
 * </ul>
 * The figure is honest only when this allocator's blocks dominate: the JIT compiler's threads alone hold
 * megabytes of {@code malloc}'d arenas while they compile, and arena space once taken is rarely given
 * back, so repeated runs of a 4 MiB workload early in a JVM's life were seen to report 7 to 16 MiB.
 * Compare glibc's footprint on workloads of tens of megabytes, or after a warm-up. glibc does not say
 * what is resident, so no {@code resident_bytes} is reported. The raw process-wide {@code mallinfo2} fields are reported too ({@code glibc_*}).
 * {@code overhead_bytes} is glibc's 8-byte size word in front of each live block ({@code SIZE_SZ});
 * padding for alignment and the second word of mmapped chunks are not counted.
 *
 * <h2>Tracking and its cost</h2>
 * Freeing an address glibc never handed out aborts the process ("free(): invalid pointer"), so every
 * block's address and requested size go into an {@link AddressTable} — a striped primitive hash table,
 * 24 to 48 bytes of Java heap per live block and one uncontended lock per operation — and a free, a
 * reallocation or a usable-size query of an address that is not a live block throws before glibc sees
 * it. The tracking is part of every latency measured for this baseline. {@code close()} frees every
 * block still live and calls {@code malloc_trim(0)}.
 *
 * <p>Thread-safe, as glibc is.
 */
public final class GlibcAllocator extends NativeHeapAllocator {

    private final Libc.MallInfo baseline;

    /**
     * A new view of the C heap.
     *
     * @throws IllegalStateException when this is not 64-bit Linux with glibc 2.33 or newer
     */
    public GlibcAllocator() {
        super("glibc");
        Libc.requireAvailable();
        Libc.trim();
        this.baseline = Libc.mallinfo();
    }

    @Override
    long nativeAllocate(long size, long alignment) {
        return Libc.allocate(size, alignment);
    }

    @Override
    long nativeReallocate(long address, long newSize) {
        return Libc.realloc(address, newSize);
    }

    @Override
    void nativeFree(long address) {
        Libc.free(address);
    }

    @Override
    long nativeUsableSize(long address) {
        return Libc.usableSize(address);
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        Libc.MallInfo m = Libc.mallinfo();
        extra.bytes("glibc_arena_bytes", m.arena(), "mallinfo2 arena: heap space of every arena, whole process")
                .bytes("glibc_mmapped_bytes", m.mmapped(), "mallinfo2 hblkhd: chunks mmapped on their own, whole process")
                .bytes("glibc_in_use_bytes", m.inUse(), "mallinfo2 uordblks: bytes in heap chunks in use, whole process")
                .bytes("glibc_free_bytes", m.free(), "mallinfo2 fordblks: bytes in free heap chunks, whole process");
        return Math.max(0, Math.max(m.footprint() - baseline.footprint(), m.used() - baseline.used()));
    }

    @Override
    long overheadBytes(long liveBlocks) {
        return liveBlocks * Libc.CHUNK_HEADER;
    }

    @Override
    void released() {
        Libc.trim();
    }
}
