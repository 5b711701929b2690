package org.alloclab.api;

/**
 * What an {@link Allocator} supports beyond {@link Allocator#allocate(long, long) allocate}. A tool
 * asks before it calls: calling an operation a strategy lacks throws
 * {@link UnsupportedOperationException} naming the strategy and the operation.
 */
public enum Capability {
    /** {@link Allocator#free(long)} returns a single block. */
    FREE,
    /** {@link Allocator#reallocate(long, long)} resizes a block (in place or by moving it). */
    REALLOCATE,
    /** {@link Allocator#usableSize(long)} answers for every live block. */
    USABLE_SIZE,
    /** {@link Allocator#reset()} frees every block at once. */
    RESET,
    /** {@link Allocator#pushFrame()} and {@link Allocator#popFrame(Frame)}: stack-like lifetimes. */
    FRAMES,
    /**
     * {@link Allocator#walk(HeapVisitor)} reports each live block as its own allocated span. Without it
     * a strategy may report neighbouring blocks merged into one span (a bump allocator knows only its
     * used extent).
     */
    WALK_BLOCKS,
    /** Every operation may be called from many threads at once. */
    THREAD_SAFE,
    /**
     * The allocator's memory does not come from the {@link VirtualMemory} it was created with: it is the
     * C library's heap, a native allocator's or the JDK's (the baselines people use today). The virtual
     * memory's counters do not see it; the allocator's own {@link AllocatorStats#COMMITTED_BYTES} says
     * what it holds, and tools cannot check its blocks against the virtual memory's regions.
     */
    EXTERNAL_MEMORY
}
