package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.alloclab.harness.workload.LifetimeDistribution;
import org.alloclab.harness.workload.SizeDistribution;
import org.alloclab.harness.workload.SizeDistribution.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SizeDistributionTest {

    private static final int DRAWS = 100_000;

    private static long[] draw(Shape shape, long min, long max) {
        var d = SizeDistribution.of(shape, min, max);
        var random = new SplittableRandom(42);
        long[] sizes = new long[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            sizes[i] = d.next(random);
        }
        return sizes;
    }

    private static void assertWithin(long[] values, long min, long max) {
        var stats = Arrays.stream(values).summaryStatistics();
        assertThat(stats.getMin()).isGreaterThanOrEqualTo(min);
        assertThat(stats.getMax()).isLessThanOrEqualTo(max);
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double share(long[] values, java.util.function.LongPredicate which) {
        return (double) Arrays.stream(values).filter(which).count() / values.length;
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShapeStaysWithinItsBoundsAndReachesBothEnds(Shape shape) {
        long[] sizes = draw(shape, 16, 4096);
        assertWithin(sizes, 16, 4096);
        assertThat(Arrays.stream(sizes).min().orElseThrow()).isLessThan(64);
        assertThat(Arrays.stream(sizes).max().orElseThrow()).isGreaterThan(1024);
        assertThat(SizeDistribution.Shape.of(shape.label())).isEqualTo(shape);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aRangeOfOneSizeGivesThatSize(Shape shape) {
        assertThat(draw(shape, 48, 48)).containsOnly(48L);
    }

    @Test
    void logUniformAndLogNormalHaveTheirMedianAtTheGeometricMiddle() {
        // geometric middle of 16 and 4096 is 256
        assertThat((double) median(draw(Shape.LOG_UNIFORM, 16, 4096))).isCloseTo(256, within(30.0));
        long[] logNormal = draw(Shape.LOG_NORMAL, 16, 4096);
        assertThat((double) median(logNormal)).isCloseTo(256, within(30.0));
        // ±3σ spans the range: about 68 % within ±1σ, i.e. between 256 / 2.52 and 256 × 2.52
        assertThat(share(logNormal, s -> s >= 101 && s <= 645)).isBetween(0.62, 0.74);
        // log-uniform: each quarter of the log range holds about a quarter of the draws
        assertThat(share(draw(Shape.LOG_UNIFORM, 16, 4096), s -> s < 64)).isBetween(0.22, 0.28);
    }

    @Test
    void uniformAndExponentialHaveTheirMeans() {
        assertThat(Arrays.stream(draw(Shape.UNIFORM, 16, 4096)).average().orElseThrow()).isCloseTo(2056, within(40.0));
        long[] exponential = draw(Shape.EXPONENTIAL, 16, 4096);
        assertThat(Arrays.stream(exponential).average().orElseThrow()).isCloseTo(256, within(15.0));
        // memoryless: the median excess is ln 2 of the mean excess (240)
        assertThat((double) median(exponential) - 16).isCloseTo(240 * Math.log(2), within(15.0));
    }

    @Test
    void powerOfTwoIsMostlyPowersOfTwoWithAShareOfOthers() {
        long[] sizes = draw(Shape.POWER_OF_TWO, 16, 4096);
        double powers = share(sizes, s -> Long.bitCount(s) == 1);
        // 80 % drawn as powers of two, plus the few of the other 20 % that happen to be one
        assertThat(powers).isBetween(0.78, 0.86);
        assertThat(share(sizes, s -> s == 16)).isCloseTo(0.8 / 9, within(0.02));   // 16 … 4096: nine powers
        assertThat(share(sizes, s -> s % 2 == 1)).isGreaterThan(0.05);
        // no power of two in range: falls back to log-uniform
        assertWithin(draw(Shape.POWER_OF_TWO, 33, 63), 33, 63);
    }

    @Test
    void inverseSquareIsBiasedToSmallSizesAsInGlibc() {
        long[] sizes = draw(Shape.INVERSE_SQUARE, 4, 32768);
        assertThat(median(sizes)).isBetween(7L, 9L);                    // about 2 × min
        assertThat(share(sizes, s -> s > 400)).isBetween(0.006, 0.014);   // about 4 / 400
        assertThat(share(sizes, s -> s > 8192)).isPositive();
    }

    @Test
    void boundsAreChecked() {
        assertThatThrownBy(() -> SizeDistribution.of(Shape.UNIFORM, 0, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SizeDistribution.of(Shape.UNIFORM, 9, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SizeDistribution.of(Shape.UNIFORM, 8, 1L << 50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shape.of("gaussian")).hasMessageContaining("log-uniform");
    }

    @Test
    void lifetimesHaveTheirShape() {
        var random = new SplittableRandom(7);
        var exponential = LifetimeDistribution.of(LifetimeDistribution.Shape.EXPONENTIAL, 100);
        var uniform = LifetimeDistribution.of(LifetimeDistribution.Shape.UNIFORM, 100);
        var fixed = LifetimeDistribution.of(LifetimeDistribution.Shape.FIXED, 100);
        long[] e = new long[DRAWS];
        long[] u = new long[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            e[i] = exponential.next(random);
            u[i] = uniform.next(random);
            assertThat(fixed.next(random)).isEqualTo(100);
        }
        assertWithin(e, 1, Long.MAX_VALUE);
        assertThat(Arrays.stream(e).average().orElseThrow()).isCloseTo(100.5, within(3.0));
        assertThat((double) median(e)).isCloseTo(1 + 100 * Math.log(2), within(4.0));
        assertWithin(u, 1, 199);
        assertThat(Arrays.stream(u).average().orElseThrow()).isCloseTo(100, within(2.0));
        for (var shape : LifetimeDistribution.Shape.values()) {
            assertThat(LifetimeDistribution.of(shape, 0).next(random)).isEqualTo(1);
            assertThat(LifetimeDistribution.Shape.of(shape.label())).isEqualTo(shape);
        }
        assertThatThrownBy(() -> LifetimeDistribution.of(LifetimeDistribution.Shape.FIXED, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
