package org.alloclab.tck;

import java.lang.foreign.Arena;
import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A strategy whose memory is not the virtual memory's, as the baselines' (glibc, jemalloc, …) is: every
 * block is its own allocation from one JDK {@link Arena}, all given back when the allocator closes; the
 * live blocks are kept in a map. It declares {@link Capability#EXTERNAL_MEMORY} unless told to hide it —
 * then the contract must catch blocks outside the virtual memory — and can misalign, to show that the
 * checks that still apply to external memory still catch a bug.
 */
final class ExternalAllocator extends AbstractAllocator {

    private final Arena arena = Arena.ofShared();
    private final Memory memory = SegmentMemory.everything();
    private final boolean misalign;
    private final TreeMap<Long, Long> blocks = new TreeMap<>();
    private long live;
    private long peakLive;
    private long requested;

    /**
     * @param ignored  the virtual memory it is given, and does not use
     * @param declared whether it declares EXTERNAL_MEMORY, as it should
     * @param misalign whether alignments above 16 are served at 16
     */
    ExternalAllocator(VirtualMemory ignored, boolean declared, boolean misalign) {
        super(declared ? "test.external" : "test.external-undeclared", declared
                ? EnumSet.of(Capability.EXTERNAL_MEMORY, Capability.FREE, Capability.REALLOCATE,
                        Capability.USABLE_SIZE, Capability.WALK_BLOCKS)
                : EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.WALK_BLOCKS));
        this.misalign = misalign;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        if (size > 64 * Sizes.MiB) {
            return 0;
        }
        long address = arena.allocate(size, misalign ? Math.min(alignment, 16) : alignment).address();
        blocks.put(address, size);
        live += size;
        requested += size;
        peakLive = Math.max(peakLive, live);
        return address;
    }

    @Override
    protected void doFree(long address) {
        Long size = blocks.remove(address);
        if (size == null) {
            throw invalidFree(address, "it is not a live block");
        }
        live -= size;
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        Long size = blocks.get(address);
        if (size == null) {
            throw invalidFree(address, "it is not a live block");
        }
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            memory.copy(address, moved, Math.min(size, newSize));
            doFree(address);
        }
        return moved;
    }

    @Override
    protected long doUsableSize(long address) {
        Long size = blocks.get(address);
        if (size == null) {
            throw new IllegalArgumentException("test.external: " + Sizes.hex(address) + " is not a live block");
        }
        return size;
    }

    @Override
    protected boolean doOwns(long address) {
        Map.Entry<Long, Long> e = blocks.floorEntry(address);
        return e != null && address - e.getKey() < e.getValue();
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        blocks.forEach(visitor::allocated);
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, live, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "highest live bytes")
                .bytes(AllocatorStats.COMMITTED_BYTES, requested, "bytes asked of the arena")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, requested, "bytes asked of the arena")
                .bytes(AllocatorStats.RESERVED_BYTES, requested, "bytes asked of the arena")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "none")
                .build();
    }

    @Override
    protected void doVerify() {
        long sum = blocks.values().stream().mapToLong(Long::longValue).sum();
        if (sum != live) {
            throw new IllegalStateException("live bytes " + live + " but blocks sum to " + sum);
        }
    }

    @Override
    protected void doClose() {
        arena.close();
    }
}
