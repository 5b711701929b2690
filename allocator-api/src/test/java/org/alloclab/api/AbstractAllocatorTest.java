package org.alloclab.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

/** The checks every strategy inherits: they run before a strategy's hook, which never sees bad input. */
class AbstractAllocatorTest {

    /** Hands out consecutive addresses and records what reached its hooks. */
    private static final class Recording extends AbstractAllocator {
        int hookCalls;
        boolean closedOnce;

        Recording() {
            super("recording", EnumSet.of(Capability.FREE));
        }

        @Override
        public Memory memory() {
            return SegmentMemory.everything();
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            hookCalls++;
            return 4096;
        }

        @Override
        protected void doFree(long address) {
            hookCalls++;
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
            assertThat(closedOnce).as("doClose runs once").isFalse();
            closedOnce = true;
        }
    }

    @Test
    void badSizesAndAlignmentsNeverReachTheStrategy() {
        var a = new Recording();
        assertThatThrownBy(() -> a.allocate(0, 8)).hasMessageContaining("at least 1 byte, was 0");
        assertThatThrownBy(() -> a.allocate(-5, 8)).hasMessageContaining("was -5");
        assertThatThrownBy(() -> a.allocate(Allocator.MAX_REQUEST + 1, 8)).hasMessageContaining("larger than any request");
        assertThatThrownBy(() -> a.allocate(8, 24)).hasMessageContaining("power of two, was 24");
        assertThatThrownBy(() -> a.allocate(8, 0)).hasMessageContaining("power of two, was 0");
        assertThatThrownBy(() -> a.allocate(8, Allocator.MAX_ALIGNMENT * 2)).hasMessageContaining("above the largest alignment");
        assertThat(a.hookCalls).isZero();
        assertThat(a.allocate(8, 8)).isEqualTo(4096);
    }

    @Test
    void missingCapabilitiesAreNamed() {
        var a = new Recording();
        assertThatThrownBy(() -> a.reset()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("recording cannot reset").hasMessageContaining("[FREE]");
        assertThatThrownBy(() -> a.reallocate(4096, 8)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.pushFrame()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> a.usableSize(4096)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void freeOfZeroDoesNothingAndEverythingAfterCloseIsRefused() {
        var a = new Recording();
        a.free(0);
        assertThat(a.hookCalls).isZero();
        assertThat(a.owns(0)).isFalse();
        a.close();
        a.close();
        assertThat(a.isClosed()).isTrue();
        assertThatThrownBy(() -> a.allocate(8)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recording: the allocator is closed");
        assertThatThrownBy(() -> a.free(4096)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::stats).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(a::verify).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void statsRefuseTwoMetricsOfOneName() {
        assertThatThrownBy(() -> AllocatorStats.builder().bytes("live_bytes", 1, "a").bytes("live_bytes", 2, "b").build())
                .hasMessageContaining("'live_bytes' appears twice");
        var stats = AllocatorStats.builder().bytes("live_bytes", 1, "a").count("allocations", 3, "b").build();
        assertThat(stats.asMap()).containsExactly(java.util.Map.entry("live_bytes", 1L), java.util.Map.entry("allocations", 3L));
        assertThatThrownBy(() -> stats.get("nope")).hasMessageContaining("no metric 'nope'").hasMessageContaining("live_bytes");
    }

    @Test
    void segmentMemoryStaysInsideItsSegment() {
        try (Arena arena = Arena.ofConfined()) {
            var segment = arena.allocate(64, 8);
            var memory = new SegmentMemory(segment);
            long base = segment.address();
            memory.putLong(base + 56, 42);
            memory.copy(base + 56, base, 8);
            assertThat(memory.getLong(base)).isEqualTo(42);
            assertThatThrownBy(() -> memory.putLong(base + 60, 1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> memory.getByte(base - 1)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }
}
