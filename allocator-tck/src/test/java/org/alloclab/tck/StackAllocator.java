package org.alloclab.tck;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.TreeMap;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A bump allocator with frames, for testing the contract's model of strategies without
 * {@link Capability#FREE}: a moving reallocation leaves the old block held, and popping a frame drops
 * exactly the blocks allocated after its push.
 * <pre>
 *   base          frame mark          top        committed       limit
 *    | b1 | b2 | b1' |  b3  | b4 |       |  (free)  |  (reserved)  |
 * </pre>
 * A block grows or shrinks in place only when it is the last one and lies above the innermost frame's
 * mark (otherwise popping the frame would cut it); otherwise reallocation moves it. Sizes are kept on
 * the Java heap so reallocation knows how much to copy.
 */
final class StackAllocator extends AbstractAllocator {

    private record Mark(Frame frame, long top, long live, long last) {
    }

    private final VirtualMemory vm;
    private final Region region;
    private final long base;
    private final TreeMap<Long, Long> sizes = new TreeMap<>();
    private final Deque<Mark> frames = new ArrayDeque<>();
    private long top;
    private long committedTop;
    private long peakCommitted;
    private long live;
    private long peakLive;
    private long last;
    private final boolean growAcrossFrames;

    StackAllocator(VirtualMemory vm, long capacity) {
        this(vm, capacity, false);
    }

    /** @param growAcrossFrames plant a bug: grow the last block in place even below the frame mark */
    StackAllocator(VirtualMemory vm, long capacity, boolean growAcrossFrames) {
        super("test.stack", EnumSet.of(Capability.REALLOCATE, Capability.RESET, Capability.FRAMES));
        this.vm = vm;
        this.region = vm.reserve(capacity);
        if (region == null) {
            throw new IllegalStateException("test.stack: could not reserve " + Sizes.format(capacity));
        }
        this.base = region.address();
        this.top = base;
        this.committedTop = base;
        this.growAcrossFrames = growAcrossFrames;
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        long start = Sizes.alignUp(top, alignment);
        if (start < top || start + size > region.end() || !commitTo(start + size)) {
            return 0;
        }
        top = start + size;
        last = start;
        sizes.put(start, size);
        live += size;
        peakLive = Math.max(peakLive, live);
        return start;
    }

    private boolean commitTo(long end) {
        long needed = Sizes.alignUp(end, vm.pageSize());
        if (needed > committedTop) {
            if (!vm.commit(committedTop, needed - committedTop)) {
                return false;
            }
            committedTop = needed;
            peakCommitted = Math.max(peakCommitted, committedTop - base);
        }
        return true;
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        Long old = sizes.get(address);
        if (old == null) {
            throw new IllegalArgumentException("test.stack: cannot reallocate " + Sizes.hex(address) + ": "
                    + (doOwns(address) ? "it is not the start of a block" : "it lies outside this allocator's region"));
        }
        long mark = frames.isEmpty() ? base : frames.peek().top();
        if (address == last && (address >= mark || growAcrossFrames)) {
            if (address + newSize > region.end() || !commitTo(address + newSize)) {
                return 0;
            }
            top = address + newSize;
            sizes.put(address, newSize);
            live += newSize - old;
            peakLive = Math.max(peakLive, live);
            return address;
        }
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            vm.memory().copy(address, moved, Math.min(old, newSize));
        }
        return moved;
    }

    @Override
    protected boolean doOwns(long address) {
        return region.contains(address, 1);
    }

    @Override
    protected void doReset() {
        sizes.clear();
        frames.clear();
        top = base;
        live = 0;
        last = 0;
    }

    @Override
    protected Frame doPushFrame() {
        int depth = frames.size();
        Frame frame = () -> depth;
        frames.push(new Mark(frame, top, live, last));
        return frame;
    }

    @Override
    protected void doPopFrame(Frame frame) {
        if (frames.isEmpty() || frames.peek().frame() != frame) {
            throw new IllegalStateException("test.stack: the frame of depth " + frame.depth()
                    + " is not the innermost open frame (" + frames.size() + " open)");
        }
        Mark m = frames.pop();
        sizes.tailMap(m.top(), true).clear();
        top = m.top();
        live = m.live();
        last = m.last();
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        if (top > base) {
            visitor.allocated(base, top - base);
        }
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, live, "requested bytes of held blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "highest live bytes")
                .count(AllocatorStats.LIVE_BLOCKS, sizes.size(), "held blocks")
                .bytes(AllocatorStats.COMMITTED_BYTES, committedTop - base, "committed bytes")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted, "highest committed bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, region.bytes(), "reserved bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "none")
                .build();
    }

    @Override
    protected void doVerify() {
        long sum = sizes.values().stream().mapToLong(Long::longValue).sum();
        if (sum != live) {
            throw new IllegalStateException("test.stack: live " + live + " but blocks sum to " + sum);
        }
        if (top < base || top > committedTop) {
            throw new IllegalStateException("test.stack: top " + Sizes.hex(top) + " outside the committed range");
        }
    }

    @Override
    protected void doClose() {
        vm.release(region);
    }
}
