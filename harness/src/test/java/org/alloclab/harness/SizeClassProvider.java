package org.alloclab.harness;

import java.util.EnumSet;
import java.util.List;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * {@code test.size-classes}: a small allocator that can free, for the harness's tests of runs with several
 * threads (the strategies of the main build cannot free single blocks yet). Requests up to 4 KiB, rounded
 * up to 16-byte classes, each block behind a 16-byte header holding its class; freed blocks go on a
 * per-class list linked through their first bytes and are reused first; new ones are bumped from a
 * reserved region committed 1 MiB at a time. Not thread-safe — deliberately, like most strategies — so a
 * run with threads puts it behind the locking layer.
 */
public final class SizeClassProvider implements AllocatorProvider {

    @Override
    public String name() {
        return "test.size-classes";
    }

    @Override
    public String description() {
        return "test only: 16-byte size classes up to 4 KiB with per-class free lists; can free; not thread-safe";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.bytes("capacity", "256MiB", "address space reserved"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        return new SizeClasses(vm, parameters.bytes("capacity"));
    }

    private static final class SizeClasses extends AbstractAllocator {
        private static final long HEADER = 16;
        private static final long LARGEST = 4096;
        private static final long STEP = Sizes.MiB;

        private final VirtualMemory vm;
        private final Memory memory;
        private final Region region;
        private final long[] freeHeads = new long[(int) (LARGEST / 16) + 1];
        private long top;
        private long committedEnd;
        private long live;
        private long peakLive;
        private long liveBlocks;

        SizeClasses(VirtualMemory vm, long capacity) {
            super("test.size-classes", EnumSet.of(Capability.FREE));
            this.vm = vm;
            this.memory = vm.memory();
            this.region = vm.reserve(capacity);
            if (region == null) {
                throw new IllegalStateException("cannot reserve " + Sizes.format(capacity));
            }
            this.top = region.address();
            this.committedEnd = region.address();
        }

        @Override
        public Memory memory() {
            return memory;
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            if (size > LARGEST || alignment > 16) {
                return 0;
            }
            int sizeClass = (int) ((size + 15) / 16);
            long block = freeHeads[sizeClass];
            if (block != 0) {
                freeHeads[sizeClass] = memory.getLong(block);
            } else {
                long bytes = HEADER + sizeClass * 16L;
                if (top + bytes > region.end()) {
                    return 0;
                }
                while (top + bytes > committedEnd) {
                    long step = Math.min(STEP, region.end() - committedEnd);
                    if (!vm.commit(committedEnd, step)) {
                        return 0;
                    }
                    committedEnd += step;
                }
                block = top + HEADER;
                top += bytes;
                memory.putLong(block - HEADER, sizeClass);
            }
            memory.putLong(block - 8, size);
            live += size;
            liveBlocks++;
            peakLive = Math.max(peakLive, live);
            return block;
        }

        @Override
        protected void doFree(long address) {
            if (address < region.address() + HEADER || address >= top || (address - region.address()) % 16 != 0) {
                throw invalidFree(address, "it is not a block of this allocator");
            }
            long sizeClass = memory.getLong(address - HEADER);
            long size = memory.getLong(address - 8);
            if (sizeClass < 1 || sizeClass >= freeHeads.length || size < 1 || size > sizeClass * 16) {
                throw invalidFree(address, "its header is not a live block's (freed twice?)");
            }
            memory.putLong(address - 8, 0);
            memory.putLong(address, freeHeads[(int) sizeClass]);
            freeHeads[(int) sizeClass] = address;
            live -= size;
            liveBlocks--;
        }

        @Override
        protected boolean doOwns(long address) {
            return region.contains(address, 1);
        }

        @Override
        protected void doWalk(HeapVisitor visitor) {
        }

        @Override
        protected AllocatorStats doStats() {
            return AllocatorStats.builder()
                    .bytes(AllocatorStats.LIVE_BYTES, live, "requested bytes of live blocks")
                    .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "highest live bytes")
                    .count(AllocatorStats.LIVE_BLOCKS, liveBlocks, "live blocks")
                    .bytes(AllocatorStats.COMMITTED_BYTES, committedEnd - region.address(), "committed")
                    .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, committedEnd - region.address(), "committed, never given back")
                    .bytes(AllocatorStats.RESERVED_BYTES, region.bytes(), "reserved")
                    .bytes(AllocatorStats.OVERHEAD_BYTES, liveBlocks * HEADER, "headers of live blocks")
                    .build();
        }

        /** Every block on a free list lies in the bumped part, in its own class, marked free. */
        @Override
        protected void doVerify() {
            for (int c = 1; c < freeHeads.length; c++) {
                for (long b = freeHeads[c]; b != 0; b = memory.getLong(b)) {
                    if (b < region.address() + HEADER || b >= top || memory.getLong(b - HEADER) != c
                            || memory.getLong(b - 8) != 0) {
                        throw new IllegalStateException("free list of class " + c + " holds " + Sizes.hex(b)
                                + ", which is not a free block of that class");
                    }
                }
            }
        }

        @Override
        protected void doClose() {
            vm.release(region);
        }
    }
}
