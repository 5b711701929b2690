package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.harness.workload.FrameStyleWorkload;
import org.alloclab.harness.workload.Operations;
import org.junit.jupiter.api.Test;

class FrameStyleWorkloadTest {

    private final FrameStyleWorkload frames = new FrameStyleWorkload();

    // frame blocks and long-lived blocks in disjoint size ranges, so a size tells which one a block is
    private static final Map<String, Object> SMALL = Map.of("frames", 120, "allocations-per-frame", 100,
            "max-size", 512, "long-lived-blocks", 50, "long-lived-min-size", "1KiB", "long-lived-max-size", "64KiB",
            "long-lived-churn", 3, "level-frames", 40);

    private Operations generate(Map<String, Object> given, long seed) {
        return frames.generate("w", frames.resolve(given), seed);
    }

    @Test
    void theSameSeedGivesTheSameOperations() {
        OperationsChecker.assertSeeded(frames, SMALL);
        OperationsChecker.assertSeeded(frames, Map.of("frames", 50, "passes", 2));
    }

    @Test
    void frameBlocksDieWithTheirFrameAndLongLivedBlocksAreMadeBetweenFrames() {
        Operations ops = generate(SMALL, 11);
        var report = OperationsChecker.check(ops, 16, 64 * 1024);

        assertThat(report.frames()).isEqualTo(120);
        assertThat(report.maxFrameDepth()).isEqualTo(1);
        assertThat(report.phases()).as("a level change every 40 frames").isEqualTo(2);
        assertThat(report.maxLiveAcrossFrame()).as("the level persists across frames").isEqualTo(50);
        assertThat(report.liveAtEnd()).isEqualTo(50);
        assertThat(report.allocationsInFrames()).isBetween(120L * 50, 120L * 150);

        int depth = 0;
        long freedInsideWithMoreToCome = 0;
        long longLivedMade = 0;
        boolean freedSinceAllocation = false;
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.kind(i)) {
                case FRAME_BEGIN -> depth++;
                case FRAME_END -> {
                    depth--;
                    freedSinceAllocation = false;
                }
                case ALLOCATE -> {
                    if (depth > 0) {
                        assertThat(ops.requestSize(i)).as("frame block at %d", i).isBetween(16L, 512L);
                        if (freedSinceAllocation) {
                            freedInsideWithMoreToCome++;
                        }
                        freedSinceAllocation = false;
                    } else {
                        assertThat(ops.requestSize(i)).as("long-lived block at %d", i).isBetween(1024L, 65536L);
                        longLivedMade++;
                    }
                }
                case FREE -> freedSinceAllocation |= depth > 0;
                default -> { }
            }
        }
        assertThat(freedInsideWithMoreToCome).as("temporaries are freed while the frame goes on").isPositive();
        // 3 levels of 50, plus about 3 replacements between each two frames of a level
        assertThat(longLivedMade).isBetween(150L + 117 * 2, 150L + 117 * 4);
    }

    @Test
    void passesAreNestedFrames() {
        var given = Map.<String, Object>of("frames", 30, "passes", 3, "allocations-per-frame", 70);
        var report = OperationsChecker.check(generate(given, 5), 16, 256 * 1024);
        assertThat(report.frames()).isEqualTo(30 * 4);
        assertThat(report.maxFrameDepth()).isEqualTo(2);
    }

    @Test
    void noTemporariesMeansNoFreeInsideAFrameBeforeItsEnd() {
        Operations ops = generate(Map.of("frames", 20, "temporary-percent", 0, "long-lived-churn", 0), 3);
        OperationsChecker.check(ops);
        boolean freeing = false;
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.kind(i)) {
                case FREE -> freeing = true;
                case ALLOCATE -> assertThat(freeing).as("allocation after a free inside a frame, at %d", i).isFalse();
                case FRAME_END -> freeing = false;
                default -> { }
            }
        }
    }

    @Test
    void badParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> generate(Map.of("temporary-percent", 101), 1)).hasMessageContaining("temporary-percent");
        assertThatThrownBy(() -> generate(Map.of("frames", 0), 1)).hasMessageContaining("frames");
        assertThatThrownBy(() -> generate(Map.of("long-lived-min-size", "1MiB"), 1)).hasMessageContaining("long-lived-min-size");
        assertThatThrownBy(() -> generate(Map.of("frames", 10_000_000, "allocations-per-frame", 100), 1))
                .hasMessageContaining("allocations");
    }
}
