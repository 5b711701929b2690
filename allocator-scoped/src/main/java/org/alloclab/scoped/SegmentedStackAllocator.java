package org.alloclab.scoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

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
 * A stack-frame allocator that grows by segments: push a frame, allocate, pop back to it. When a block does
 * not fit in what is left of the current segment, the stack moves on to the next segment (reserving and
 * committing one when there is none big enough), so it never fails while memory lasts. Segments are never
 * given back before {@link #close()}: a stack that has grown once runs again with no system call.
 *
 * <pre>
 *   segments (in stack order)          cur
 *   +------------------+  +------------v-------+  +-----------------+
 *   | blocks ......... |->| blocks | top  free  |->| empty, kept     |
 *   +------------------+  +--------------------+  +-----------------+
 *   a frame is (segment, top): popping it empties every later segment and moves the top back
 * </pre>
 *
 * <p>Frames pop innermost first; popping another, or one closed by a reset, is a clear
 * {@link IllegalStateException} and changes nothing. Zero bytes of overhead per block, so only the last
 * block's size is known: it grows in place while it fits in its segment and belongs to the innermost
 * frame; other reallocations move. Not thread-safe.
 */
public final class SegmentedStackAllocator extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "stack";

    private static final class Segment {
        final Region region;
        long top;

        Segment(Region region) {
            this.region = region;
            this.top = region.address();
        }
    }

    private final VirtualMemory vm;
    private final long segmentSize;
    private final List<Segment> segments = new ArrayList<>();
    private int cur = -1;
    private long lastStart;
    private long liveBytes;
    private long peakLiveBytes;
    private long committed;
    private long allocations;
    private long failedAllocations;
    private long generation;
    private final ArrayDeque<Mark> frames = new ArrayDeque<>();

    /** A stack over {@code vm} growing by segments of {@code segmentSize} bytes (rounded up to pages). */
    public SegmentedStackAllocator(VirtualMemory vm, long segmentSize) {
        super(NAME, EnumSet.of(Capability.REALLOCATE, Capability.RESET, Capability.FRAMES));
        if (segmentSize < 1) {
            throw new IllegalArgumentException(NAME + ": segment-size must be at least one byte, was " + segmentSize);
        }
        this.vm = vm;
        this.segmentSize = Sizes.alignUp(segmentSize, vm.pageSize());
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        if (cur >= 0) {
            Segment s = segments.get(cur);
            long start = Sizes.alignUp(s.top, alignment);
            if (start >= s.top && start + size <= s.region.end()) {
                return bump(s, start, size);
            }
        }
        long need = size + alignment - 1;
        int next = cur + 1;
        if (next >= segments.size() || segments.get(next).region.bytes() < need) {
            Segment fresh = reserve(need);
            if (fresh == null) {
                failedAllocations++;
                return 0;
            }
            segments.add(next, fresh);
        }
        cur = next;
        Segment s = segments.get(cur);
        return bump(s, Sizes.alignUp(s.top, alignment), size);
    }

    private Segment reserve(long need) {
        long bytes = Math.max(segmentSize, Sizes.alignUp(need, vm.pageSize()));
        Region r = Chunks.reserveCommitted(vm, bytes);
        if (r == null) {
            return null;
        }
        committed += r.bytes();
        return new Segment(r);
    }

    private long bump(Segment s, long start, long size) {
        s.top = start + size;
        lastStart = start;
        allocations++;
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return start;
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        int i = segmentOf(address);
        if (i < 0 || i > cur || address >= segments.get(i).top) {
            throw invalidFree(address, i < 0 ? "it lies in none of the stack's segments"
                    : "it lies past the last block handed out in its segment");
        }
        Segment s = segments.get(i);
        Mark innermost = frames.peek();
        boolean insideFrame = innermost == null || i > innermost.segment
                || (i == innermost.segment && address >= innermost.top);
        if (i == cur && address == lastStart && insideFrame && address + newSize <= s.region.end()) {
            liveBytes += newSize - (s.top - address);
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
            s.top = address + newSize;
            return address;
        }
        long available = s.top - address;
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            vm.memory().copy(address, moved, Math.min(newSize, available));
        }
        return moved;
    }

    private int segmentOf(long address) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).region.contains(address, 1)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    protected boolean doOwns(long address) {
        return segmentOf(address) >= 0;
    }

    @Override
    protected void doReset() {
        for (Segment s : segments) {
            s.top = s.region.address();
        }
        cur = segments.isEmpty() ? -1 : 0;
        lastStart = 0;
        liveBytes = 0;
        frames.clear();
        generation++;
    }

    @Override
    protected Frame doPushFrame() {
        Segment s = cur < 0 ? null : segments.get(cur);
        var mark = new Mark(this, generation, frames.size(), cur, s == null ? 0 : s.top, lastStart, liveBytes);
        frames.push(mark);
        return mark;
    }

    @Override
    protected void doPopFrame(Frame frame) {
        if (!(frame instanceof Mark mark) || mark.owner != this) {
            throw new IllegalStateException(NAME + ": " + frame + " was not pushed on this allocator");
        }
        if (mark.generation != generation) {
            throw new IllegalStateException(NAME + ": " + mark + " was closed by a reset");
        }
        Mark innermost = frames.peek();
        if (innermost != mark) {
            boolean open = frames.stream().anyMatch(m -> m == mark);
            throw new IllegalStateException(NAME + ": cannot pop " + mark + (open
                    ? " while " + innermost + " is still open: frames pop innermost first" : ": it was already popped"));
        }
        frames.pop();
        for (int i = Math.max(mark.segment + 1, 0); i <= cur; i++) {
            segments.get(i).top = segments.get(i).region.address();
        }
        if (mark.segment >= 0) {
            segments.get(mark.segment).top = mark.top;
            cur = mark.segment;
        } else {
            cur = segments.isEmpty() ? -1 : 0;
        }
        lastStart = mark.lastStart;
        liveBytes = mark.liveBytes;
    }

    @Override
    protected void doClose() {
        for (Segment s : segments) {
            vm.release(s.region);
        }
        segments.clear();
        frames.clear();
        committed = 0;
        cur = -1;
    }

    /** Each segment as its held span and its free rest, in address order. */
    @Override
    protected void doWalk(HeapVisitor visitor) {
        var sorted = new ArrayList<>(segments);
        sorted.sort((a, b) -> Long.compare(a.region.address(), b.region.address()));
        for (Segment s : sorted) {
            if (s.top > s.region.address()) {
                visitor.allocated(s.region.address(), s.top - s.region.address());
            }
            if (s.top < s.region.end()) {
                visitor.free(s.top, s.region.end() - s.top);
            }
        }
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes held")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .bytes(AllocatorStats.COMMITTED_BYTES, committed, "bytes of every segment (committed whole, kept until close)")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, committed, "segments are never given back before close")
                .bytes(AllocatorStats.RESERVED_BYTES, committed, "address space held: the segments")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "bookkeeping inside managed memory: none")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out, moved reallocations included")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .count("segments", segments.size(), "segments reserved")
                .count("segments_in_use", cur + 1, "segments up to the current one")
                .count("open_frames", frames.size(), "frames pushed and not popped")
                .build();
    }

    @Override
    protected void doVerify() {
        long sum = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            check(s.top >= s.region.address() && s.top <= s.region.end(), "a segment's top lies inside it", i);
            check(i <= cur || s.top == s.region.address(), "segments past the current one are empty", i);
            check(vm.isCommitted(s.region.address(), s.region.bytes()), "a segment is committed", i);
            sum += s.region.bytes();
        }
        check(sum == committed, "committed bytes are the segments' bytes", -1);
        check(cur >= -1 && cur < Math.max(segments.size(), 1) && (cur >= 0 || segments.isEmpty() || liveBytes == 0),
                "the current segment exists", cur);
        int previous = Integer.MAX_VALUE;
        for (Mark m : frames) {
            check(m.segment <= previous && m.segment <= cur, "frames descend from the current segment", m.segment);
            previous = m.segment;
        }
        check(liveBytes >= 0, "live bytes are not negative", -1);
    }

    private void check(boolean ok, String what, int segment) {
        if (!ok) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what
                    + (segment >= 0 ? " (segment " + segment + " of " + segments.size() + ", current " + cur + ")" : ""));
        }
    }

    /** A frame: the segment and top when it was pushed. */
    private record Mark(SegmentedStackAllocator owner, long generation, int depth, int segment, long top, long lastStart,
                        long liveBytes) implements Frame {
        @Override
        public String toString() {
            return "frame " + depth + " (segment " + segment + ", at " + Sizes.hex(top) + ")";
        }
    }
}
