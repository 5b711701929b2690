package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.harness.workload.LifetimeDistribution;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.RandomWorkload;
import org.alloclab.harness.workload.SizeDistribution;
import org.junit.jupiter.api.Test;

class RandomWorkloadDistributionsTest {

    private final RandomWorkload random = new RandomWorkload();

    @Test
    void theDefaultsGiveTheOperationsTheyGaveBeforeDistributionsCouldBeChosen() {
        // fingerprints taken from RandomWorkload before SizeDistribution and LifetimeDistribution existed
        Operations defaults = random.generate("w", random.resolve(Map.of()), 42);
        assertThat(defaults.size()).isEqualTo(410_066);
        assertThat(OperationsChecker.fingerprint(defaults)).isEqualTo(6130041126033200446L);
        var p = random.resolve(Map.of("operations", 20000, "min-size", 16, "max-size", 1024, "phase-length", 3000,
                "realloc-percent", 20, "mean-lifetime", 50));
        Operations small = random.generate("w", p, 7);
        assertThat(small.size()).isEqualTo(44_906);
        assertThat(OperationsChecker.fingerprint(small)).isEqualTo(3326307567652525928L);
    }

    @Test
    void everySizeAndLifetimeShapeMakesValidSeededOperations() {
        for (String sizes : SizeDistribution.Shape.labels()) {
            for (String lifetimes : LifetimeDistribution.Shape.labels()) {
                Map<String, Object> given = Map.of("operations", 5000, "min-size", 16, "max-size", 1024,
                        "phase-length", 1500, "sizes", sizes, "lifetimes", lifetimes, "mean-lifetime", 40);
                OperationsChecker.assertSeeded(random, given);
                var report = OperationsChecker.check(random.generate("w", random.resolve(given), 3), 16, 1024);
                assertThat(report.allocations()).as(sizes + "/" + lifetimes).isEqualTo(5000);
                assertThat(report.phases()).isEqualTo(3);
                assertThat(report.reallocations()).isPositive();
            }
        }
    }

    @Test
    void theShapesShowInTheWorkload() {
        var p = random.resolve(Map.of("operations", 20000, "min-size", 16, "max-size", 4096, "sizes", "power-of-two"));
        var report = OperationsChecker.check(random.generate("w", p, 5), 16, 4096);
        assertThat(report.shareOfSizes(s -> Long.bitCount(s) == 1)).isBetween(0.75, 0.9);

        // fixed lifetimes: with no reallocations every block lives exactly mean-lifetime allocations, so
        // at most that many are live at once
        var fixed = random.resolve(Map.of("operations", 20000, "lifetimes", "fixed", "mean-lifetime", 100,
                "realloc-percent", 0, "phase-length", 0));
        var steady = OperationsChecker.check(random.generate("w", fixed, 5), 8, 4096);
        assertThat(steady.maxLive()).isEqualTo(100);
        assertThat(steady.liveAtEnd()).isEqualTo(100);
    }

    @Test
    void badChoicesAndBoundsAreRejectedWithTheParameter() {
        assertThatThrownBy(() -> random.resolve(Map.of("sizes", "gaussian"))).hasMessageContaining("sizes");
        assertThatThrownBy(() -> random.resolve(Map.of("lifetimes", "forever"))).hasMessageContaining("lifetimes");
        assertThatThrownBy(() -> random.generate("w", random.resolve(Map.of("min-size", 64, "max-size", 32)), 1))
                .hasMessageContaining("min-size");
        assertThatThrownBy(() -> random.generate("w", random.resolve(Map.of("realloc-percent", 101)), 1))
                .hasMessageContaining("realloc-percent");
        assertThatThrownBy(() -> random.generate("w", random.resolve(Map.of("operations", 0)), 1))
                .hasMessageContaining("operations");
    }
}
