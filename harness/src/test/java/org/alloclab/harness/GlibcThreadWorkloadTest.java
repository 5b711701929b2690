package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.harness.workload.GlibcThreadWorkload;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.junit.jupiter.api.Test;

class GlibcThreadWorkloadTest {

    private final GlibcThreadWorkload thread = new GlibcThreadWorkload();

    private Operations generate(Map<String, Object> given, long seed) {
        return thread.generate("w", thread.resolve(given), seed);
    }

    @Test
    void theSameSeedGivesTheSameOperations() {
        OperationsChecker.assertSeeded(thread, Map.of("operations", 5000));
    }

    @Test
    void eachStepReplacesOneBlockOfTheWorkingSet() {
        Operations ops = generate(Map.of(), 8);
        var report = OperationsChecker.check(ops, 4, 32 * 1024);
        assertThat(report.allocations()).isEqualTo(200_000);
        assertThat(report.maxLive()).isEqualTo(1024);
        assertThat(report.liveAtEnd()).isEqualTo(1024);
        assertThat(report.frees()).isEqualTo(200_000 - 1024);
        assertThat(report.phases() + report.frames() + report.reallocations()).isZero();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.kind(i) == Kind.FREE) {
                assertThat(ops.kind(i + 1)).as("a free is followed by its replacement").isEqualTo(Kind.ALLOCATE);
            }
        }
    }

    @Test
    void sizesAreBiasedToSmallAsInGlibc() {
        var report = OperationsChecker.check(generate(Map.of(), 3), 4, 32 * 1024);
        assertThat(report.medianSize()).isBetween(7L, 9L);
        assertThat(report.shareOfSizes(s -> s <= 64)).isBetween(0.9, 0.96);
        assertThat(report.shareOfSizes(s -> s > 4096)).isPositive();
        var uniform = OperationsChecker.check(generate(Map.of("sizes", "uniform", "operations", 20000), 3), 4, 32 * 1024);
        assertThat(uniform.medianSize()).isBetween(14_000L, 19_000L);
    }

    @Test
    void badParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> generate(Map.of("working-set", 0), 1)).hasMessageContaining("working-set");
        assertThatThrownBy(() -> generate(Map.of("operations", 0), 1)).hasMessageContaining("operations");
        assertThatThrownBy(() -> generate(Map.of("min-size", "64KiB"), 1)).hasMessageContaining("min-size");
    }
}
