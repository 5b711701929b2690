package org.alloclab.harness.run;

import java.util.EnumSet;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.SegmentMemory;

/**
 * An allocator that does nothing: it hands out made-up addresses that are never touched, and every
 * other call returns at once. Replaying a workload through it measures the harness's own cost per
 * operation — the dispatch, bookkeeping and timing every real strategy's figures include. Not a
 * strategy: its blocks are not memory, so it is never registered.
 *
 * <p>It declares {@link Capability#THREAD_SAFE} so that a calibration with several threads measures the
 * harness, not a lock: its one field is written without synchronisation, and a lost update only makes
 * two made-up addresses alike, which nothing ever looks at.
 */
class NoopAllocator extends AbstractAllocator {

    private long next = 1L << 40;

    /**
     * The no-op allocator of calibration round {@code round}: one of three classes in turn. The replay
     * loop's calls into an allocator are profiled by the JIT per call site; had calibration used one class,
     * the first real strategy would find the loop compiled for that one receiver and pay for its
     * deoptimisation and recompilation, and so, once more, would the second. With three classes seen
     * before any measured run, the loop is compiled for many receivers from the start, and every strategy,
     * first or last, is measured on the same code.
     */
    static NoopAllocator forRound(int round) {
        return switch (Math.floorMod(round, 3)) {
            case 0 -> new NoopAllocator();
            case 1 -> new Second();
            default -> new Third();
        };
    }

    /** A second class, for {@link #forRound(int)}. */
    static final class Second extends NoopAllocator {
    }

    /** A third class, for {@link #forRound(int)}. */
    static final class Third extends NoopAllocator {
    }

    NoopAllocator() {
        super("calibration.noop", EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.RESET, Capability.THREAD_SAFE));
    }

    @Override
    public Memory memory() {
        return SegmentMemory.everything();   // never used: the calibration replay touches nothing
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        next += 64;
        return next;
    }

    @Override
    protected void doFree(long address) {
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        return address;
    }

    @Override
    protected void doReset() {
    }

    @Override
    protected boolean doOwns(long address) {
        return true;
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder().build();
    }

    @Override
    protected void doVerify() {
    }

    @Override
    protected void doClose() {
    }
}
