package org.alloclab.harness.workload;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * How long blocks live, counted in the allocations made after them (a block with lifetime 1 is freed
 * before the next allocation), shared by the synthetic workloads and chosen by their {@code lifetimes}
 * parameter around a mean the workload names. Every lifetime is at least 1.
 *
 * <ul>
 *   <li>{@code exponential}: {@code 1 + floor(Exp(mean))} — memoryless, most blocks die young, a few
 *       live long; {@code random}'s default (Wilson et al.'s classic model).</li>
 *   <li>{@code uniform}: uniform in {@code [1, 2 × mean − 1]}, no long tail.</li>
 *   <li>{@code fixed}: exactly {@code mean} (at least 1): every block dies in allocation order (FIFO).</li>
 * </ul>
 */
public final class LifetimeDistribution {

    /** The name of the parameter choosing the shape. */
    public static final String PARAMETER = "lifetimes";

    /** The largest mean accepted, far above any workload's length. */
    public static final long MAX_MEAN = 1L << 40;

    /** A shape of lifetime distribution, named as in configurations. */
    public enum Shape {
        /** Exponential around the mean. */
        EXPONENTIAL,
        /** Uniform from 1 to twice the mean. */
        UNIFORM,
        /** Always the mean. */
        FIXED;

        /** The name in configurations. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The shape called {@code label}.
         *
         * @throws IllegalArgumentException for an unknown name
         */
        public static Shape of(String label) {
            for (Shape s : values()) {
                if (s.label().equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown lifetime distribution '" + label + "' (known: " + labels() + ")");
        }

        /** Every label, in declaration order. */
        public static List<String> labels() {
            return Arrays.stream(values()).map(Shape::label).toList();
        }
    }

    private final Shape shape;
    private final long mean;

    private LifetimeDistribution(Shape shape, long mean) {
        this.shape = shape;
        this.mean = mean;
    }

    /**
     * A distribution of {@code shape} around {@code mean} allocations.
     *
     * @throws IllegalArgumentException unless {@code 0 <= mean <= MAX_MEAN}
     */
    public static LifetimeDistribution of(Shape shape, long mean) {
        if (mean < 0 || mean > MAX_MEAN) {
            throw new IllegalArgumentException("mean lifetime " + mean + " is not between 0 and " + MAX_MEAN);
        }
        return new LifetimeDistribution(shape, mean);
    }

    /** The {@code lifetimes} parameter, a choice of every {@link Shape}, defaulting to exponential. */
    public static ParameterSpec parameter() {
        return ParameterSpec.choice(PARAMETER, Shape.EXPONENTIAL.label(),
                "how lifetimes spread around their mean: " + String.join(", ", Shape.labels()),
                Shape.labels().toArray(String[]::new));
    }

    /**
     * The distribution the resolved {@code lifetimes} parameter and the count parameter {@code meanName}
     * describe.
     *
     * @throws IllegalArgumentException from {@link Parameters#invalid} when the mean is too large
     */
    public static LifetimeDistribution from(Parameters p, String meanName) {
        long mean = p.count(meanName);
        if (mean > MAX_MEAN) {
            throw p.invalid(meanName, "must be at most " + MAX_MEAN);
        }
        return of(Shape.of(p.choice(PARAMETER)), mean);
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The mean the distribution is drawn around. */
    public long mean() {
        return mean;
    }

    /** One lifetime, at least 1. */
    public long next(SplittableRandom random) {
        return switch (shape) {
            case EXPONENTIAL -> 1 + (long) (-Math.log(1 - random.nextDouble()) * mean);
            case UNIFORM -> mean <= 1 ? 1 : 1 + random.nextLong(2 * mean - 1);
            case FIXED -> Math.max(1, mean);
        };
    }

    @Override
    public String toString() {
        return shape.label() + " around " + mean;
    }
}
