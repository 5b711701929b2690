package org.alloclab.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.EnumSet;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.SegmentMemory;
import org.junit.jupiter.api.Test;

/** The contention checker must catch an allocator that claims thread safety it lacks, and pass a locked one. */
class ContentionCheckTest {

    /**
     * 256-byte blocks from a bump index and a stack of freed indexes, both unsynchronized, with a pause
     * between reading and writing them back: two threads soon get the same block. Claims THREAD_SAFE,
     * unless made honest with {@code synchronized} calls.
     */
    static final class RacyBlocks extends AbstractAllocator {
        private final Arena arena = Arena.ofShared();
        private final SegmentMemory memory;
        private final long base;
        private final int[] freed = new int[1 << 16];
        private final boolean locked;
        private int top;
        private int next;
        private long live;

        RacyBlocks(boolean locked) {
            super("test.racy-blocks", EnumSet.of(Capability.FREE, Capability.THREAD_SAFE));
            var segment = arena.allocate(256L << 16, 4096);
            memory = new SegmentMemory(segment);
            base = segment.address();
            this.locked = locked;
        }

        @Override
        public Memory memory() {
            return memory;
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            if (locked) {
                synchronized (this) {
                    return take(size, alignment);
                }
            }
            return take(size, alignment);
        }

        private long take(long size, long alignment) {
            if (size > 256 || alignment > 256) {
                return 0;
            }
            int index;
            int t = top;
            if (t > 0) {
                index = freed[t - 1];
                pause();
                top = t - 1;
            } else {
                index = next;
                pause();
                next = index + 1;
            }
            live += size;
            return base + 256L * index;
        }

        private static void pause() {
            for (int i = 0; i < 50; i++) {
                Thread.onSpinWait();
            }
        }

        @Override
        protected void doFree(long address) {
            if (locked) {
                synchronized (this) {
                    freed[top++] = (int) ((address - base) / 256);
                }
            } else {
                freed[top++] = (int) ((address - base) / 256);
            }
        }

        @Override
        protected boolean doOwns(long address) {
            return address >= base && address < base + (256L << 16);
        }

        @Override
        protected void doWalk(HeapVisitor visitor) {
        }

        @Override
        protected AllocatorStats doStats() {
            return AllocatorStats.builder().bytes(AllocatorStats.LIVE_BYTES, 0, "not kept").build();
        }

        @Override
        protected void doVerify() {
        }

        @Override
        protected void doClose() {
            arena.close();
        }
    }

    @Test
    void anAllocatorThatRacesIsCaught() {
        try (var racy = new RacyBlocks(false)) {
            assertThatThrownBy(() -> new ContentionCheck(4, 20_000, 1, 256, 100_000).run(racy))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageMatching("(?s).*(while still live|changed at offset|not live).*");
        }
    }

    @Test
    void theSameAllocatorBehindALockPasses() throws Exception {
        try (var honest = new RacyBlocks(true)) {
            var outcome = new ContentionCheck(4, 5_000, 1, 256, 100_000).run(honest);
            assertThat(outcome.allocations()).isGreaterThan(15_000);
            assertThat(outcome.remoteFrees()).isPositive();
        }
    }
}
