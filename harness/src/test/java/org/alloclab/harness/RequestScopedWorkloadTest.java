package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.RequestScopedWorkload;
import org.junit.jupiter.api.Test;

class RequestScopedWorkloadTest {

    private final RequestScopedWorkload server = new RequestScopedWorkload();

    private Operations generate(Map<String, Object> given, long seed) {
        return server.generate("w", server.resolve(given), seed);
    }

    @Test
    void theSameSeedGivesTheSameOperations() {
        OperationsChecker.assertSeeded(server, Map.of("requests", 300));
        OperationsChecker.assertSeeded(server, Map.of("requests", 300, "frames", true, "sizes", "uniform"));
    }

    @Test
    void everyRequestFreesAllItAllocatedAndEndsAPhase() {
        var report = OperationsChecker.check(generate(Map.of("requests", 2000), 9), 16, 16 * 1024);
        assertThat(report.phases()).isEqualTo(2000);
        assertThat(report.liveAtEnd()).isZero();
        assertThat(report.frees()).isEqualTo(report.allocations());
        assertThat(report.frames()).isZero();
        assertThat((double) report.allocations() / 2000).as("mean blocks per request").isBetween(37.0, 43.0);
        assertThat((double) report.reallocations() / report.allocations()).isBetween(0.07, 0.13);
        // log-normal between 16 B and 16 KiB: median at the geometric middle, 512
        assertThat(report.medianSize()).isBetween(440L, 600L);
    }

    @Test
    void temporariesDieBeforeTheRequestEnds() {
        Operations ops = generate(Map.of("requests", 200, "temporary-percent", 100, "mean-lifetime", 2,
                "lifetimes", "fixed", "realloc-percent", 0), 4);
        var report = OperationsChecker.check(ops);
        // a block living 2 allocations: at most 2 live at once
        assertThat(report.maxLive()).isLessThanOrEqualTo(2);
        assertThat(report.phases()).isEqualTo(200);
    }

    @Test
    void requestsCanAlsoBeFrames() {
        var report = OperationsChecker.check(generate(Map.of("requests", 500, "frames", true), 2));
        assertThat(report.frames()).isEqualTo(500);
        assertThat(report.maxFrameDepth()).isEqualTo(1);
        assertThat(report.allocationsInFrames()).isEqualTo(report.allocations());
    }

    @Test
    void badParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> generate(Map.of("blocks-per-request", 0), 1)).hasMessageContaining("blocks-per-request");
        assertThatThrownBy(() -> generate(Map.of("realloc-percent", 200), 1)).hasMessageContaining("realloc-percent");
        assertThatThrownBy(() -> generate(Map.of("min-size", 0), 1)).hasMessageContaining("min-size");
        assertThatThrownBy(() -> generate(Map.of("requests", 10_000_000, "blocks-per-request", 1000), 1))
                .hasMessageContaining("requests");
    }
}
