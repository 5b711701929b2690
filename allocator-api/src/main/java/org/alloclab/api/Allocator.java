package org.alloclab.api;

import java.util.Set;

/**
 * A memory allocator: hands out blocks of the memory it manages and takes them back. The one interface
 * every strategy implements; tools hold nothing else.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #allocate(long, long)} returns the address of a block of at least {@code size} bytes,
 *       aligned to {@code alignment}, lying in committed memory and overlapping no other live block —
 *       or {@code 0} when the strategy cannot satisfy the request (out of memory is a normal outcome in
 *       a fragmentation study, not an exception).</li>
 *   <li>Contents of a block are the caller's: the allocator never changes them while the block is live,
 *       and a reallocation preserves them up to the smaller of the two sizes.</li>
 *   <li>Bad input — a size below 1 or above {@link #MAX_REQUEST}, an alignment that is not a power of
 *       two or is above {@link #MAX_ALIGNMENT}, freeing an address that is not a live block, any call
 *       after {@link #close()}, an operation the strategy lacks — throws an exception naming what was
 *       wrong and leaves the allocator as it was: {@link #verify()} still passes.</li>
 *   <li>Unless {@link Capability#THREAD_SAFE} is declared, one thread at a time.</li>
 * </ul>
 *
 * <p>Implementations usually extend {@link AbstractAllocator}, which checks arguments and state once for
 * every strategy.
 */
public interface Allocator extends AutoCloseable {

    /** The largest size a single request may name: 64 TiB, beyond any space alloclab manages. */
    long MAX_REQUEST = 1L << 46;

    /** The largest alignment a request may name: 4 GiB. */
    long MAX_ALIGNMENT = 1L << 32;

    /** The alignment of {@link #allocate(long)} and of blocks moved by {@link #reallocate(long, long)}. */
    long DEFAULT_ALIGNMENT = 8;

    /** The stable name of this allocator's strategy, e.g. {@code linear.vm}. */
    String strategy();

    /** What this allocator supports beyond allocation. */
    Set<Capability> capabilities();

    /** Whether {@code capability} is among {@link #capabilities()}. */
    default boolean supports(Capability capability) {
        return capabilities().contains(capability);
    }

    /** Access to the bytes of the blocks this allocator hands out. */
    Memory memory();

    /**
     * Allocates a block.
     *
     * @param size      bytes wanted, from 1 to {@link #MAX_REQUEST}
     * @param alignment a power of two from 1 to {@link #MAX_ALIGNMENT}
     * @return the block's address, or {@code 0} when the request cannot be satisfied
     */
    long allocate(long size, long alignment);

    /** Allocates a block aligned to {@link #DEFAULT_ALIGNMENT}. */
    default long allocate(long size) {
        return allocate(size, DEFAULT_ALIGNMENT);
    }

    /**
     * Frees a live block; {@code free(0)} does nothing. Needs {@link Capability#FREE}.
     *
     * @throws InvalidFreeException when {@code address} is not a live block of this allocator (as far as
     *                              the strategy can tell)
     */
    void free(long address);

    /**
     * Resizes a live block, in place when the strategy can, otherwise by moving it to a block aligned
     * to {@link #DEFAULT_ALIGNMENT}. {@code reallocate(0, n)} is {@code allocate(n)}. Needs
     * {@link Capability#REALLOCATE}.
     *
     * @return the block's address, possibly new; {@code 0} when it cannot be done, in which case the
     *         old block is untouched and still live
     */
    long reallocate(long address, long newSize);

    /**
     * How many bytes of the live block at {@code address} the caller may use: at least the size asked
     * for. Needs {@link Capability#USABLE_SIZE}.
     */
    long usableSize(long address);

    /** Whether {@code address} lies in memory this allocator manages (not necessarily a live block). */
    boolean owns(long address);

    /** Frees every block at once; committed memory may be kept for reuse. Needs {@link Capability#RESET}. */
    void reset();

    /** Opens a frame; see {@link Frame}. Needs {@link Capability#FRAMES}. */
    Frame pushFrame();

    /**
     * Frees every block allocated since {@code frame} was pushed and closes it. Needs
     * {@link Capability#FRAMES}.
     *
     * @throws IllegalStateException when {@code frame} is not this allocator's innermost open frame
     */
    void popFrame(Frame frame);

    /** Visits the heap's spans in address order; see {@link HeapVisitor}. */
    void walk(HeapVisitor visitor);

    /**
     * A snapshot of this allocator's metrics. Every strategy reports at least
     * {@link AllocatorStats#LIVE_BYTES}, {@link AllocatorStats#PEAK_LIVE_BYTES},
     * {@link AllocatorStats#COMMITTED_BYTES}, {@link AllocatorStats#PEAK_COMMITTED_BYTES},
     * {@link AllocatorStats#RESERVED_BYTES} and {@link AllocatorStats#OVERHEAD_BYTES}.
     *
     * <p>{@code live_bytes} counts the requested sizes of the blocks the allocator still holds. For a
     * strategy with {@link Capability#FREE} those are its live blocks. A strategy without it cannot
     * take a single block back, so a block left behind by a moving {@link #reallocate} stays counted
     * until a reset or a frame pop releases it.
     */
    AllocatorStats stats();

    /**
     * Walks the strategy's own structures and checks every invariant it keeps.
     *
     * @throws IllegalStateException describing the first broken invariant
     */
    void verify();

    /**
     * Gives every reserved and committed byte back to the memory source. Afterwards every other call
     * throws {@link IllegalStateException}. Idempotent.
     */
    @Override
    void close();
}
