package org.alloclab.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The checks every strategy needs, written once: argument validation, use after close, and operations
 * the strategy does not declare. Public methods validate and then call a protected {@code do…} hook, so
 * a hook sees only valid arguments on an open allocator. Hooks of capabilities a strategy does not
 * declare are never called.
 */
public abstract class AbstractAllocator implements Allocator {

    private final String strategy;
    private final Set<Capability> capabilities;
    private final boolean canFree;        // FREE, read on every free: a field, not a set lookup
    private boolean closed;

    /**
     * @param strategy     the strategy's stable name
     * @param capabilities what it supports beyond allocation
     */
    protected AbstractAllocator(String strategy, Set<Capability> capabilities) {
        this.strategy = strategy;
        this.capabilities = Collections.unmodifiableSet(
                capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(capabilities));
        this.canFree = capabilities.contains(Capability.FREE);
    }

    @Override
    public final String strategy() {
        return strategy;
    }

    @Override
    public final Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public final long allocate(long size, long alignment) {
        ensureOpen();
        if (Long.compareUnsigned(size - 1, MAX_REQUEST) >= 0) {      // one comparison for the common case
            checkSize(size);
        }
        if (alignment != DEFAULT_ALIGNMENT) {
            checkAlignment(alignment);
        }
        return doAllocate(size, alignment);
    }

    @Override
    public final void free(long address) {
        ensureOpen();
        if (!canFree) {
            require(Capability.FREE, "free a single block");
        }
        if (address != 0) {
            doFree(address);
        }
    }

    @Override
    public final long reallocate(long address, long newSize) {
        ensureOpen();
        require(Capability.REALLOCATE, "reallocate");
        checkSize(newSize);
        return address == 0 ? doAllocate(newSize, DEFAULT_ALIGNMENT) : doReallocate(address, newSize);
    }

    @Override
    public final long usableSize(long address) {
        ensureOpen();
        require(Capability.USABLE_SIZE, "tell the usable size of a block");
        return doUsableSize(address);
    }

    @Override
    public final boolean owns(long address) {
        ensureOpen();
        return address != 0 && doOwns(address);
    }

    @Override
    public final void reset() {
        ensureOpen();
        require(Capability.RESET, "reset");
        doReset();
    }

    @Override
    public final Frame pushFrame() {
        ensureOpen();
        require(Capability.FRAMES, "push a frame");
        return doPushFrame();
    }

    @Override
    public final void popFrame(Frame frame) {
        ensureOpen();
        require(Capability.FRAMES, "pop a frame");
        if (frame == null) {
            throw new IllegalArgumentException(strategy + ": cannot pop a null frame");
        }
        doPopFrame(frame);
    }

    @Override
    public final void walk(HeapVisitor visitor) {
        ensureOpen();
        doWalk(visitor);
    }

    @Override
    public final AllocatorStats stats() {
        ensureOpen();
        return doStats();
    }

    @Override
    public final void verify() {
        ensureOpen();
        doVerify();
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            doClose();
        }
    }

    /** Whether {@link #close()} was called. */
    public final boolean isClosed() {
        return closed;
    }

    /** @throws IllegalStateException when the allocator is closed */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(strategy + ": the allocator is closed");
        }
    }

    /**
     * Checks a requested size.
     *
     * @throws IllegalArgumentException when it is below 1 or above {@link Allocator#MAX_REQUEST}
     */
    public static void checkSize(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1 byte, was " + size);
        }
        if (size > MAX_REQUEST) {
            throw new IllegalArgumentException("size " + size + " is larger than any request alloclab serves ("
                    + Sizes.format(MAX_REQUEST) + ")");
        }
    }

    /**
     * Checks a requested alignment.
     *
     * @throws IllegalArgumentException when it is not a power of two or above {@link Allocator#MAX_ALIGNMENT}
     */
    public static void checkAlignment(long alignment) {
        if (!Sizes.isPowerOfTwo(alignment)) {
            throw new IllegalArgumentException("alignment must be a power of two, was " + alignment);
        }
        if (alignment > MAX_ALIGNMENT) {
            throw new IllegalArgumentException("alignment " + alignment + " is above the largest alignment ("
                    + Sizes.format(MAX_ALIGNMENT) + ")");
        }
    }

    /** An {@link InvalidFreeException} for this strategy. */
    protected final InvalidFreeException invalidFree(long address, String why) {
        return new InvalidFreeException(strategy, address, why);
    }

    private void require(Capability capability, String what) {
        if (!capabilities.contains(capability)) {
            throw new UnsupportedOperationException(strategy + " cannot " + what
                    + " (it supports " + capabilities + ")");
        }
    }

    private AssertionError undeclared(String hook) {
        return new AssertionError(strategy + " declares a capability but does not override " + hook);
    }

    /** Allocates; arguments already checked. */
    protected abstract long doAllocate(long size, long alignment);

    /** Frees a non-zero address; called only with {@link Capability#FREE}. */
    protected void doFree(long address) {
        throw undeclared("doFree");
    }

    /** Resizes a non-zero address; called only with {@link Capability#REALLOCATE}. */
    protected long doReallocate(long address, long newSize) {
        throw undeclared("doReallocate");
    }

    /** Usable size; called only with {@link Capability#USABLE_SIZE}. */
    protected long doUsableSize(long address) {
        throw undeclared("doUsableSize");
    }

    /** Ownership of a non-zero address. */
    protected abstract boolean doOwns(long address);

    /** Resets; called only with {@link Capability#RESET}. */
    protected void doReset() {
        throw undeclared("doReset");
    }

    /** Pushes a frame; called only with {@link Capability#FRAMES}. */
    protected Frame doPushFrame() {
        throw undeclared("doPushFrame");
    }

    /** Pops a non-null frame; called only with {@link Capability#FRAMES}. */
    protected void doPopFrame(Frame frame) {
        throw undeclared("doPopFrame");
    }

    /** Walks the heap. */
    protected abstract void doWalk(HeapVisitor visitor);

    /** The metrics. */
    protected abstract AllocatorStats doStats();

    /** Checks invariants. */
    protected abstract void doVerify();

    /** Gives everything back; called once. */
    protected abstract void doClose();
}
