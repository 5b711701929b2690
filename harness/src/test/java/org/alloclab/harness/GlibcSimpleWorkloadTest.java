package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.harness.workload.GlibcSimpleWorkload;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.junit.jupiter.api.Test;

class GlibcSimpleWorkloadTest {

    private final GlibcSimpleWorkload simple = new GlibcSimpleWorkload();

    private Operations generate(Map<String, Object> given, long seed) {
        return simple.generate("w", simple.resolve(given), seed);
    }

    @Test
    void theDefaultsRunTheBenchmarksShapeForSizes16To64() {
        Operations ops = generate(Map.of(), 1);
        var report = OperationsChecker.check(ops, 16, 64);
        assertThat(ops.size()).isEqualTo(4 * 500 * (2 * 100 + 1));
        assertThat(report.phases()).isEqualTo(4 * 500);
        assertThat(report.liveAtEnd()).isZero();
        assertThat(report.maxLive()).isEqualTo(100);
        assertThat(report.allocationSizes()).containsOnly(16L, 32L, 48L, 64L);
        assertThat(report.shareOfSizes(s -> s == 48)).isEqualTo(0.25);

        // one round: 100 allocations, the frees in allocation order, the phase end
        for (int i = 0; i < 100; i++) {
            assertThat(ops.kind(i)).isEqualTo(Kind.ALLOCATE);
            assertThat(ops.requestSize(i)).isEqualTo(16);
            assertThat(ops.kind(100 + i)).isEqualTo(Kind.FREE);
            assertThat(ops.slot(100 + i)).isEqualTo(ops.slot(i));
        }
        assertThat(ops.kind(200)).isEqualTo(Kind.PHASE_END);
        assertThat(ops.requestSize(ops.size() - 2 - 2 * 100 + 1)).isEqualTo(64);
    }

    @Test
    void theBenchmarkHasNoRandomnessButARandomFreeOrderIsSeeded() {
        assertThat(OperationsChecker.same(generate(Map.of("iterations", 10), 1), generate(Map.of("iterations", 10), 2)))
                .as("allocation order: the same for every seed, as the benchmark").isTrue();
        OperationsChecker.assertSeeded(simple, Map.of("iterations", 10, "free-order", "random"));
        var report = OperationsChecker.check(generate(Map.of("iterations", 10, "free-order", "random", "blocks", 400), 3));
        assertThat(report.frees()).isEqualTo(report.allocations());
    }

    @Test
    void reverseOrderFreesNewestFirst() {
        Operations reverse = generate(Map.of("iterations", 3, "blocks", 25, "size-multiples", 1, "block-size", 100,
                "free-order", "reverse"), 1);
        var report = OperationsChecker.check(reverse, 100, 100);
        assertThat(report.phases()).isEqualTo(3);
        for (int i = 0; i < 25; i++) {
            assertThat(reverse.kind(25 + i)).isEqualTo(Kind.FREE);
            assertThat(reverse.slot(25 + i)).isEqualTo(reverse.slot(24 - i));
        }
    }

    @Test
    void badParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> generate(Map.of("blocks", 0), 1)).hasMessageContaining("blocks");
        assertThatThrownBy(() -> generate(Map.of("block-size", 0), 1)).hasMessageContaining("block-size");
        assertThatThrownBy(() -> generate(Map.of("iterations", 0), 1)).hasMessageContaining("iterations");
        assertThatThrownBy(() -> generate(Map.of("iterations", 1_000_000, "blocks", 1600), 1)).hasMessageContaining("iterations");
    }
}
