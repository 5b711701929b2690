package org.alloclab.vmem.linear;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A linear (bump) allocator: align the top, hand it out, advance it. There is no per-block free and no
 * per-block header — zero bytes of overhead per allocation; memory comes back all at once by
 * {@link #reset()} or back to a mark by popping a {@link Frame}.
 *
 * <pre>
 *  base                      lastStart        top            committedEnd                 limit
 *   |  block  |pad| block | ... |   last block   |   committed, free   |   reserved only     |
 *   '-------- held: handed out since reset -------'---------- free: can still be handed out --'
 * </pre>
 *
 * <h2>Variants</h2>
 * <ul>
 *   <li><b>fixed</b> ({@code linear}): the whole capacity is committed up front — a plain buffer; or a
 *       caller's {@link MemorySegment} ({@link #over(MemorySegment)}).</li>
 *   <li><b>on demand</b> ({@code linear.vm}): an upper bound of address space is reserved once, and
 *       pages are committed in steps of {@code commitStep} as the top advances. {@link #reset()}
 *       decommits everything past the first {@code slack} bytes, so a burst does not pin memory for the
 *       rest of the run; popping a frame never decommits (frames are popped often, bursts are rare).</li>
 * </ul>
 *
 * <h2>What it knows</h2>
 * Without headers it knows only the last block's size ({@code top - lastStart}). So: reallocation is in
 * place when the block is the last one and was allocated inside the innermost open frame (growing a
 * block from before the frame would let the pop cut it); otherwise it moves the block, copying as much
 * as can have belonged to it ({@code min(newSize, top - address)}), and the old bytes stay held until a
 * reset or a pop. {@code live_bytes} counts requested sizes of everything held, and is exact.
 * A free or reallocation of an address outside {@code [base, top)} is reported; an address inside that
 * is not a block start cannot be told apart.
 *
 * <p>Not thread-safe.
 */
public final class LinearAllocator extends AbstractAllocator {

    private static final Set<Capability> CAPABILITIES =
            EnumSet.of(Capability.REALLOCATE, Capability.RESET, Capability.FRAMES);

    private final VirtualMemory vm;        // null over a caller's segment
    private final Region region;           // null over a caller's segment
    private final Memory memory;
    private final long base;
    private final long limit;
    private final boolean onDemand;
    private final long commitStep;
    private final long slack;

    private long top;
    private long lastStart;                // 0 when no block since the last reset or pop
    private long committedEnd;
    private long peakCommitted;
    private long liveBytes;
    private long peakLiveBytes;
    private long allocations;
    private long failedAllocations;
    private long resets;
    private long generation;               // bumped by reset, so frames pushed before it are stale
    private final ArrayDeque<Mark> frames = new ArrayDeque<>();

    private LinearAllocator(String strategy, VirtualMemory vm, Region region, Memory memory, long base, long limit,
                            long committedEnd, boolean onDemand, long commitStep, long slack) {
        super(strategy, CAPABILITIES);
        this.vm = vm;
        this.region = region;
        this.memory = memory;
        this.base = base;
        this.limit = limit;
        this.top = base;
        this.committedEnd = committedEnd;
        this.peakCommitted = committedEnd - base;
        this.onDemand = onDemand;
        this.commitStep = commitStep;
        this.slack = slack;
    }

    /**
     * A bump allocator over {@code capacity} bytes reserved and committed at once from {@code vm}.
     *
     * @throws IllegalStateException when {@code vm} cannot reserve or commit that much
     */
    public static LinearAllocator fixed(VirtualMemory vm, long capacity) {
        Region region = reserve(vm, "linear", capacity);
        if (!vm.commit(region.address(), region.bytes())) {
            vm.release(region);
            throw new IllegalStateException("linear: could not commit its " + Sizes.format(region.bytes())
                    + " buffer from " + vm.kind() + " virtual memory");
        }
        return new LinearAllocator("linear", vm, region, vm.memory(), region.address(), region.end(),
                region.end(), false, 0, 0);
    }

    /**
     * A bump allocator over {@code reserve} bytes of address space from {@code vm}, committing
     * {@code commitStep} bytes at a time (rounded up to the page size) as it advances and keeping
     * {@code slack} bytes committed across a reset.
     *
     * @throws IllegalStateException when {@code vm} cannot reserve that much address space
     */
    public static LinearAllocator onDemand(VirtualMemory vm, long reserve, long commitStep, long slack) {
        return onDemand("linear.vm", vm, reserve, commitStep, slack);
    }

    /**
     * {@link #onDemand(VirtualMemory, long, long, long)} under another strategy name: the VM-aware stack
     * ({@code stack.vm}) is this allocator with a slack that never decommits on reset, given back only by
     * {@link #decommitSlack(long)}.
     */
    public static LinearAllocator onDemand(String strategy, VirtualMemory vm, long reserve, long commitStep, long slack) {
        Region region = reserve(vm, strategy, reserve);
        long step = Sizes.alignUp(Math.max(commitStep, 1), vm.pageSize());
        return new LinearAllocator(strategy, vm, region, vm.memory(), region.address(), region.end(),
                region.address(), true, step, slack);
    }

    /**
     * Gives back every committed page above the top that lies past the first {@code keep} bytes above
     * it: a stack that grew for a burst returns what the burst left committed, when its owner says so.
     * Blocks held are never touched.
     *
     * @return the bytes decommitted
     * @throws IllegalArgumentException when {@code keep} is negative
     * @throws IllegalStateException    when the allocator does not commit on demand (a fixed buffer)
     */
    public long decommitSlack(long keep) {
        if (keep < 0) {
            throw new IllegalArgumentException(strategy() + ": decommitSlack needs keep >= 0, was " + keep);
        }
        if (!onDemand) {
            throw new IllegalStateException(strategy() + ": a fixed buffer has nothing to decommit");
        }
        long from = Math.min(committedEnd, Sizes.alignUp(Math.addExact(top, Math.min(keep, limit - top)), vm.pageSize()));
        long given = committedEnd - from;
        if (given > 0) {
            vm.decommit(from, given);
            committedEnd = from;
        }
        return given;
    }

    /**
     * A bump allocator over a caller's native buffer, which stays the caller's: closing the allocator
     * leaves it alone. Accesses through {@link #memory()} are bounds-checked against the buffer.
     */
    public static LinearAllocator over(MemorySegment buffer) {
        if (!buffer.isNative() || buffer.byteSize() == 0) {
            throw new IllegalArgumentException("linear: needs a non-empty native buffer, was " + buffer);
        }
        long base = buffer.address();
        return new LinearAllocator("linear", null, null, new SegmentMemory(buffer), base, base + buffer.byteSize(),
                base + buffer.byteSize(), false, 0, 0);
    }

    private static Region reserve(VirtualMemory vm, String strategy, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(strategy + ": capacity must be positive, was " + bytes);
        }
        Region region = vm.reserve(bytes);
        if (region == null) {
            throw new IllegalStateException(strategy + ": could not reserve " + Sizes.format(bytes)
                    + " of address space from " + vm.kind() + " virtual memory");
        }
        return region;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        long start = Sizes.alignUp(top, alignment);
        long end = start + size;
        if (start < top || end > committedEnd && !commitThrough(end)) {   // start < top: wrapped around
            failedAllocations++;
            return 0;
        }
        top = end;
        lastStart = start;
        allocations++;
        liveBytes += size;           // live only grows between resets and pops: its peak is noted when it falls
        return start;
    }

    /** Commits up to at least {@code end}; false (nothing changed) when out of space or refused. */
    private boolean commitThrough(long end) {
        if (!onDemand || end > limit) {
            return false;
        }
        long wanted = Math.min(limit, Sizes.alignUp(end, commitStep));
        if (vm.commit(committedEnd, wanted - committedEnd)) {
            setCommittedEnd(wanted);
            return true;
        }
        long least = Sizes.alignUp(end, vm.pageSize());     // a smaller step may still fit a tight budget
        if (least < wanted && vm.commit(committedEnd, least - committedEnd)) {
            setCommittedEnd(least);
            return true;
        }
        return false;
    }

    private void setCommittedEnd(long end) {
        committedEnd = end;
        peakCommitted = Math.max(peakCommitted, end - base);
    }

    private void addLive(long delta) {
        notePeak();
        liveBytes += delta;
        notePeak();
    }

    /**
     * Records live bytes as the peak when they are. Allocation only adds to live bytes, so the hot path
     * leaves this to the moments live bytes can fall (reset, pop, a shrinking reallocation) and to stats.
     */
    private void notePeak() {
        if (liveBytes > peakLiveBytes) {
            peakLiveBytes = liveBytes;
        }
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        if (address < base || address >= top) {
            throw invalidFree(address, address >= base && address < limit
                    ? "it lies past the last block handed out" : "it was never handed out by this allocator");
        }
        long floor = frames.isEmpty() ? base : frames.peek().top;
        if (address == lastStart && address >= floor) {
            long oldSize = top - address;
            long end = address + newSize;
            if (end <= committedEnd || commitThrough(end)) {
                top = end;
                addLive(newSize - oldSize);
                return address;
            }
            failedAllocations++;
            return 0;                 // cannot grow here, and there is no room beyond either
        }
        long available = top - address;   // the old block cannot extend past the top
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            memory.copy(address, moved, Math.min(newSize, available));
        }
        return moved;
    }

    @Override
    protected boolean doOwns(long address) {
        return address >= base && address < limit;
    }

    @Override
    protected void doReset() {
        notePeak();
        top = base;
        lastStart = 0;
        liveBytes = 0;
        frames.clear();
        generation++;
        resets++;
        if (onDemand) {
            long keep = Math.min(committedEnd, Sizes.alignUp(base + slack, vm.pageSize()));
            if (keep < committedEnd) {
                vm.decommit(keep, committedEnd - keep);
                committedEnd = keep;
            }
        }
    }

    @Override
    protected Frame doPushFrame() {
        var mark = new Mark(this, generation, frames.size(), top, lastStart, liveBytes);
        frames.push(mark);
        return mark;
    }

    @Override
    protected void doPopFrame(Frame frame) {
        if (!(frame instanceof Mark mark) || mark.owner != this) {
            throw new IllegalStateException(strategy() + ": " + frame + " was not pushed on this allocator");
        }
        if (mark.generation != generation) {
            throw new IllegalStateException(strategy() + ": " + mark + " was closed by a reset");
        }
        Mark innermost = frames.peek();
        if (innermost != mark) {
            boolean open = frames.stream().anyMatch(m -> m == mark);
            throw new IllegalStateException(strategy() + ": cannot pop " + mark + (open
                    ? " while " + innermost + " is still open: frames pop innermost first"
                    : ": it was already popped"));
        }
        frames.pop();
        notePeak();
        top = mark.top;
        lastStart = mark.lastStart;
        liveBytes = mark.liveBytes;
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        if (top > base) {
            visitor.allocated(base, top - base);
        }
        if (limit > top) {
            visitor.free(top, limit - top);
        }
    }

    @Override
    protected AllocatorStats doStats() {
        notePeak();
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes held since the last reset")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .bytes(AllocatorStats.COMMITTED_BYTES, committedEnd - base, "bytes committed")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted, "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, limit - base, "address space held")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "bookkeeping inside managed memory: none")
                .bytes("used_bytes", top - base, "bytes from the base to the top, alignment padding included")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out, moved reallocations included")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .count("resets", resets, "calls of reset()")
                .count("open_frames", frames.size(), "frames pushed and not popped")
                .build();
    }

    @Override
    protected void doVerify() {
        check(base <= top && top <= committedEnd && committedEnd <= limit, "base <= top <= committed end <= limit");
        check(lastStart == 0 || (lastStart >= base && lastStart <= top), "the last block starts inside [base, top]");
        check(liveBytes >= 0 && liveBytes <= top - base, "live bytes fit between base and top");
        check(!onDemand || (committedEnd - base) % vm.pageSize() == 0, "the committed end is page-aligned");
        if (vm != null && committedEnd > base) {
            check(vm.isCommitted(base, committedEnd - base), "every page below the committed end is committed");
        }
        long previous = Long.MAX_VALUE;
        for (Mark m : frames) {                 // innermost first
            check(m.top <= previous && m.top >= base && m.top <= top, "frame marks descend from the top to the base");
            previous = m.top;
        }
    }

    private void check(boolean invariant, String what) {
        if (!invariant) {
            throw new IllegalStateException(strategy() + ": broken invariant: " + what + " (base "
                    + Sizes.hex(base) + ", top " + Sizes.hex(top) + ", committed end " + Sizes.hex(committedEnd)
                    + ", limit " + Sizes.hex(limit) + ", live " + liveBytes + ")");
        }
    }

    @Override
    protected void doClose() {
        frames.clear();
        if (region != null) {
            vm.release(region);
        }
        committedEnd = base;
        top = base;
    }

    /** A frame: the allocator's position when it was pushed. */
    private record Mark(LinearAllocator owner, long generation, int depth, long top, long lastStart, long liveBytes)
            implements Frame {
        @Override
        public String toString() {
            return "frame " + depth + " (at " + Sizes.hex(top) + ")";
        }
    }
}
