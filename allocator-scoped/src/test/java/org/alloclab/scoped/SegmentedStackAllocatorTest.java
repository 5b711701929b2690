package org.alloclab.scoped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Frame;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The segmented stack: frames across segments, segments kept and reused, frames popped only in order. */
class SegmentedStackAllocatorTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    private Allocator stack() {
        return Registry.strategies().get("stack").create(Map.of("segment-size", "16KiB"), vm);
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void aFrameSpanningSegmentsPopsBackAndTheSegmentsAreReusedWithoutASystemCall() {
        Allocator s = stack();
        long keep = s.allocate(100);
        for (int round = 0; round < 10; round++) {
            Frame f = s.pushFrame();
            for (int i = 0; i < 100; i++) {                  // 100 KiB: seven segments
                assertThat(s.allocate(1000)).isNotZero();
            }
            assertThat(s.stats().get("segments_in_use")).isGreaterThan(1);
            s.popFrame(f);
            assertThat(s.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(100);
            assertThat(s.stats().get("segments_in_use")).isEqualTo(1);
        }
        assertThat(vm.stats().reserveCalls()).isEqualTo(s.stats().get("segments"));
        assertThat(s.stats().get("segments")).isLessThanOrEqualTo(8);
        assertThat(s.allocate(8)).isEqualTo(Sizes.alignUp(keep + 100, 8));      // right after the block kept below the frames
        s.verify();
    }

    @Test
    void aLargeRequestGetsASegmentOfItsOwnAndNeverFailsWhileMemoryLasts() {
        Allocator s = stack();
        long big = s.allocate(Sizes.MiB);
        assertThat(big).isNotZero();
        s.memory().fill(big, Sizes.MiB, (byte) 1);
        assertThat(s.allocate(100)).isNotZero();
        s.verify();
    }

    @Test
    void framesPopOnlyInnermostFirst() {
        Allocator s = stack();
        Frame outer = s.pushFrame();
        s.allocate(10);
        Frame inner = s.pushFrame();
        s.allocate(10);
        var before = s.stats().asMap();
        assertThatThrownBy(() -> s.popFrame(outer)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("innermost first");
        assertThat(s.stats().asMap()).isEqualTo(before);
        s.popFrame(inner);
        s.popFrame(outer);
        assertThatThrownBy(() -> s.popFrame(outer)).hasMessageContaining("already popped");
        s.reset();
        assertThat(s.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        s.verify();
    }
}
