package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.alloclab.harness.workload.Operations;
import org.junit.jupiter.api.Test;

class OperationsCheckerTest {

    @Test
    void aValidSequenceWithNestedFramesPasses() {
        var b = Operations.builder("ok");
        int level = b.allocate(100, 8);
        b.frameBegin();
        int frame = b.allocate(10, 8);
        b.frameBegin();
        int pass = b.allocate(20, 16);
        b.reallocate(pass, 30);
        b.free(pass);
        b.frameEnd();
        b.free(frame);
        b.frameEnd();
        b.free(level);
        b.phaseEnd();
        b.allocate(5, 8);

        var report = OperationsChecker.check(b.build(), 1, 100);

        assertThat(report.allocations()).isEqualTo(4);
        assertThat(report.frees()).isEqualTo(3);
        assertThat(report.reallocations()).isEqualTo(1);
        assertThat(report.phases()).isEqualTo(1);
        assertThat(report.frames()).isEqualTo(2);
        assertThat(report.maxFrameDepth()).isEqualTo(2);
        assertThat(report.allocationsInFrames()).isEqualTo(2);
        assertThat(report.maxLiveAcrossFrame()).isEqualTo(1);
        assertThat(report.liveAtEnd()).isEqualTo(1);
        assertThat(report.allocationSizes()).containsExactly(100, 10, 20, 5);
    }

    @Test
    void aFreeOfABlockNotLiveFails() {
        var b = Operations.builder("double free");
        int s = b.allocate(8, 8);
        b.free(s);
        b.free(s);
        assertThatThrownBy(() -> OperationsChecker.check(b.build())).hasMessageContaining("operation 2");
    }

    @Test
    void aReallocationOfAFreedBlockFails() {
        var b = Operations.builder("w");
        int s = b.allocate(8, 8);
        b.free(s);
        b.reallocate(s, 16);
        assertThatThrownBy(() -> OperationsChecker.check(b.build())).hasMessageContaining("reallocation");
    }

    @Test
    void aSizeOutOfBoundsFails() {
        var b = Operations.builder("w");
        b.allocate(8, 8);
        b.allocate(65, 8);
        assertThatThrownBy(() -> OperationsChecker.check(b.build(), 8, 64)).hasMessageContaining("operation 1");
        var r = Operations.builder("w");
        r.reallocate(r.allocate(8, 8), 4);
        assertThatThrownBy(() -> OperationsChecker.check(r.build(), 8, 64)).hasMessageContaining("size 4");
    }

    @Test
    void aPhaseEndWithALiveBlockOrInsideAFrameFails() {
        var b = Operations.builder("w");
        b.allocate(8, 8);
        b.phaseEnd();
        assertThatThrownBy(() -> OperationsChecker.check(b.build())).hasMessageContaining("1 blocks live");
        var f = Operations.builder("w");
        f.frameBegin();
        f.phaseEnd();
        f.frameEnd();
        assertThatThrownBy(() -> OperationsChecker.check(f.build())).hasMessageContaining("inside a frame");
    }

    @Test
    void aBlockOutlivingTheFrameItWasAllocatedInFails() {
        var b = Operations.builder("w");
        b.frameBegin();
        b.frameBegin();
        int inner = b.allocate(8, 8);
        b.frameEnd();
        b.free(inner);
        b.frameEnd();
        assertThatThrownBy(() -> OperationsChecker.check(b.build())).hasMessageContaining("outlives");
    }

    @Test
    void unbalancedFramesFail() {
        var open = Operations.builder("w");
        open.frameBegin();
        assertThatThrownBy(() -> OperationsChecker.check(open.build())).hasMessageContaining("never end");
        var close = Operations.builder("w");
        close.frameEnd();
        assertThatThrownBy(() -> OperationsChecker.check(close.build())).hasMessageContaining("never began");
    }
}
