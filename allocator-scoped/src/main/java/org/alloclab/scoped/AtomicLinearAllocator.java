package org.alloclab.scoped;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A bump allocator many threads share: the top advances by compare-and-set, so threads never wait for one
 * another to hand out a block. Address space is reserved once; pages are committed in {@code commit-step}
 * blocks as the top passes them.
 *
 * <pre>
 *   base                          committedEnd        top              limit
 *    | blocks of every thread ... |  (being committed) |   reserved only  |
 *   thread A: CAS top -> end_A;  end_A > committedEnd ? lock, commit up to end_A (or find it done), unlock
 *   thread B: CAS top -> end_B;  the same, in any order: each returns only once its own block is committed
 * </pre>
 *
 * <p>Committing is the only place threads meet: the one that crosses a commit boundary first takes the
 * lock and commits; the others that crossed it meanwhile wait for that lock and find their pages committed
 * (a volatile read of the committed end, which is written after the commit, so the pages are visible). A
 * thread returns a block only once every page of it is committed. When the virtual memory refuses, the
 * request returns 0 and the bytes it claimed stay unused until a reset (no other thread's block is
 * affected: claims never overlap).
 *
 * <p>{@link #reset()} and {@link #close()} must not run while threads allocate (declared
 * {@link Capability#THREAD_SAFE} for allocation). Live bytes and allocations are counted by each thread in
 * plain fields of its own, so the only atomic operation of an allocation is the top's compare-and-set;
 * stats are exact once the allocating threads are done (their end happens before the stats call). {@code peak_live_bytes} is the highest live count seen at
 * a stats call or reset: an exact peak would cost every allocation a contended atomic; the harness counts
 * peak live itself.
 */
public final class AtomicLinearAllocator extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "linear.atomic";

    private static final VarHandle TOP;

    static {
        try {
            TOP = MethodHandles.lookup().findVarHandle(AtomicLinearAllocator.class, "top", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final VirtualMemory vm;
    private final Region region;
    private final long base;
    private final long limit;
    private final long commitStep;
    private final long slack;
    private final long threadBuffer;
    private final ReentrantLock commitLock = new ReentrantLock();
    private volatile long generation;

    @SuppressWarnings("unused")            // through TOP
    private volatile long top;
    private volatile long committedEnd;
    private long peakCommitted;
    /** Each thread's own counts: plain fields only its thread writes, so counting costs no atomic operation. */
    private static final class Counts {
        long live;
        long allocations;
        long bufferTop;          // the thread's buffer (thread-buffer > 0): [bufferTop, bufferEnd)
        long bufferEnd;
        long generation = -1;    // the reset generation the buffer belongs to
    }

    private final ThreadLocal<Counts> counts;
    private final java.util.concurrent.ConcurrentLinkedQueue<Counts> allCounts = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final LongAdder failed = new LongAdder();
    private final LongAdder commitWaits = new LongAdder();
    private long peakLive;
    private long resets;

    /**
     * @param reserve    address space reserved at creation
     * @param commitStep bytes committed at a time (rounded up to pages)
     * @param slack      bytes kept committed across a reset
     * @throws IllegalStateException when the address space cannot be reserved
     */
    public AtomicLinearAllocator(VirtualMemory vm, long reserve, long commitStep, long slack) {
        this(vm, reserve, commitStep, slack, 0);
    }

    /**
     * @param threadBuffer 0: every allocation advances the shared top. Otherwise each thread claims this many
     *                     bytes from the shared top at a time and bumps inside them on its own, as a JVM's
     *                     thread-local allocation buffers do: one atomic operation per buffer instead of per
     *                     block, at the price of the unused end of each buffer. A request larger than half a
     *                     buffer is claimed from the shared top directly.
     */
    public AtomicLinearAllocator(VirtualMemory vm, long reserve, long commitStep, long slack, long threadBuffer) {
        super(NAME, EnumSet.of(Capability.RESET, Capability.THREAD_SAFE));
        if (reserve < 1 || commitStep < 1 || slack < 0 || threadBuffer < 0) {
            throw new IllegalArgumentException(NAME + ": needs reserve and commit-step of at least a byte and slack >= 0");
        }
        this.vm = vm;
        this.region = vm.reserve(reserve);
        if (region == null) {
            throw new IllegalStateException(NAME + ": could not reserve " + Sizes.format(reserve) + " of address space from "
                    + vm.kind() + " virtual memory");
        }
        this.base = region.address();
        this.limit = region.end();
        this.commitStep = Sizes.alignUp(commitStep, vm.pageSize());
        this.slack = slack;
        this.threadBuffer = threadBuffer;
        this.top = base;
        this.committedEnd = base;
        this.counts = ThreadLocal.withInitial(() -> {
            var c = new Counts();
            allCounts.add(c);
            return c;
        });
    }

    private long liveSum() {
        long sum = 0;
        for (Counts c : allCounts) {
            sum += c.live;
        }
        return sum;
    }

    private long allocationsSum() {
        long sum = 0;
        for (Counts c : allCounts) {
            sum += c.allocations;
        }
        return sum;
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        if (threadBuffer > 0) {
            return fromThreadBuffer(size, alignment);
        }
        return fromSharedTop(size, alignment);
    }

    private long fromThreadBuffer(long size, long alignment) {
        Counts c = counts.get();
        long g = generation;
        if (c.generation == g) {
            long start = Sizes.alignUp(c.bufferTop, alignment);
            if (start >= c.bufferTop && start + size <= c.bufferEnd) {
                c.bufferTop = start + size;
                c.live += size;
                c.allocations++;
                return start;
            }
        }
        if (size + alignment - 1 > threadBuffer / 2) {
            return fromSharedTop(size, alignment);             // large or strongly aligned: straight from the top
        }
        long claimed = claim(threadBuffer, 1);
        if (claimed == 0) {
            failed.increment();
            return 0;
        }
        c.generation = g;
        long start = Sizes.alignUp(claimed, alignment);
        c.bufferTop = start + size;
        c.bufferEnd = claimed + threadBuffer;
        c.live += size;
        c.allocations++;
        return start;
    }

    /** Claims {@code bytes} aligned to {@code alignment} from the shared top and commits them: the start, or 0. */
    private long claim(long bytes, long alignment) {
        long start;
        long end;
        do {
            long t = (long) TOP.getVolatile(this);
            start = Sizes.alignUp(t, alignment);
            end = start + bytes;
            if (end > limit || start < t) {
                return 0;
            }
            if (TOP.compareAndSet(this, t, end)) {
                break;
            }
        } while (true);
        if (end > committedEnd && !commitThrough(end)) {
            return 0;
        }
        return start;
    }

    private long fromSharedTop(long size, long alignment) {
        long start = claim(size, alignment);
        if (start == 0) {
            failed.increment();
            return 0;
        }
        Counts c = counts.get();
        c.live += size;
        c.allocations++;
        return start;
    }

    /** Commits up to at least {@code end}, or finds another thread did; false when the memory is refused. */
    private boolean commitThrough(long end) {
        if (!commitLock.tryLock()) {
            commitWaits.increment();
            commitLock.lock();
        }
        try {
            long done = committedEnd;
            if (end <= done) {
                return true;                                   // a thread ahead of us committed it
            }
            long wanted = Math.min(limit, Sizes.alignUp(end, commitStep));
            if (!vm.commit(done, wanted - done)) {
                long least = Sizes.alignUp(end, vm.pageSize());
                if (least >= wanted || !vm.commit(done, least - done)) {
                    return false;
                }
                wanted = least;
            }
            peakCommitted = Math.max(peakCommitted, wanted - base);
            committedEnd = wanted;                             // published after the commit
            return true;
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    protected boolean doOwns(long address) {
        return address >= base && address < limit;
    }

    /** Not while threads allocate. Decommits past the first {@code slack} bytes. */
    @Override
    protected void doReset() {
        commitLock.lock();
        try {
            peakLive = Math.max(peakLive, liveSum());
            for (Counts c : allCounts) {
                c.live = 0;
            }
            generation++;                                      // every thread's buffer is gone with the reset
            TOP.setVolatile(this, base);
            resets++;
            long keep = Math.min(committedEnd, Sizes.alignUp(base + Math.min(slack, limit - base), vm.pageSize()));
            if (keep < committedEnd) {
                vm.decommit(keep, committedEnd - keep);
                committedEnd = keep;
            }
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    protected void doClose() {
        vm.release(region);
        committedEnd = base;
        TOP.setVolatile(this, base);
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        long t = Math.min((long) TOP.getVolatile(this), limit);
        if (t > base) {
            visitor.allocated(base, t - base);
        }
        if (limit > t) {
            visitor.free(t, limit - t);
        }
    }

    @Override
    protected AllocatorStats doStats() {
        long now = liveSum();
        peakLive = Math.max(peakLive, now);
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, now, "requested bytes held since the last reset")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "highest live_bytes seen at a stats call or reset")
                .bytes(AllocatorStats.COMMITTED_BYTES, committedEnd - base, "bytes committed")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, Math.max(peakCommitted, committedEnd - base), "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, limit - base, "address space held")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "bookkeeping inside managed memory: none")
                .bytes("used_bytes", (long) TOP.getVolatile(this) - base, "bytes claimed from the base, padding and failed claims included")
                .count(AllocatorStats.ALLOCATIONS, allocationsSum(), "blocks handed out")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failed.sum(), "requests that returned 0")
                .count("commit_waits", commitWaits.sum(), "allocations that waited for another thread's commit")
                .bytes("thread_buffer", threadBuffer, "bytes a thread claims at a time (0: every allocation claims its own)")
                .count("resets", resets, "calls of reset()")
                .build();
    }

    @Override
    protected void doVerify() {
        long t = (long) TOP.getVolatile(this);
        check(base <= t && t <= limit, "base <= top <= limit");
        check(committedEnd >= base && committedEnd <= limit && (committedEnd - base) % vm.pageSize() == 0,
                "the committed end is a page boundary inside the region");
        check(committedEnd == base || vm.isCommitted(base, committedEnd - base), "every page below the committed end is committed");
        check(liveSum() >= 0 && liveSum() <= t - base, "live bytes fit below the top");
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what + " (base " + Sizes.hex(base) + ", top "
                    + Sizes.hex((long) TOP.getVolatile(this)) + ", committed end " + Sizes.hex(committedEnd) + ")");
        }
    }
}
