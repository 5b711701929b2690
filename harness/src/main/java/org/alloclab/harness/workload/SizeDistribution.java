package org.alloclab.harness.workload;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * How request sizes spread between a smallest and a largest size, shared by the synthetic workloads and
 * chosen by their {@code sizes} parameter. Every draw is clamped to {@code [min, max]}, uses only the
 * given random generator, and so is reproducible from the workload's seed.
 *
 * <p>The shapes, with {@code middle = sqrt(min × max)} the geometric middle of the range:
 * <ul>
 *   <li>{@code log-uniform}: every power of ten (or two) of the range is equally likely — many small
 *       requests, few large ones; the classic choice of allocator studies and {@code random}'s default.</li>
 *   <li>{@code uniform}: every size in the range equally likely.</li>
 *   <li>{@code exponential}: {@code min} plus an exponentially distributed excess whose mean puts the mean
 *       size at {@code middle}; the rare draws above {@code max} are clamped to it.</li>
 *   <li>{@code log-normal}: median {@code middle}, the range spanning ±3 standard deviations of the
 *       logarithm (so about 0.3 % of draws are clamped to a bound).</li>
 *   <li>{@code power-of-two}: 80 % powers of two in the range (each equally likely), 20 % any size
 *       (log-uniform) — the sizes of buffers, hash tables and textures with some structs among them.
 *       With no power of two in the range, log-uniform.</li>
 *   <li>{@code inverse-square}: density proportional to {@code 1/size²}, strongly biased to the smallest
 *       sizes (half of all draws fall below about {@code 2 × min}); the distribution of glibc's
 *       {@code bench-malloc-thread}.</li>
 * </ul>
 */
public final class SizeDistribution {

    /** The name of the parameter choosing the shape. */
    public static final String PARAMETER = "sizes";

    /** The share of {@link Shape#POWER_OF_TWO} draws that may be any size. */
    public static final double OTHER_SIZES_SHARE = 0.2;

    /** A shape of size distribution, named as in configurations. */
    public enum Shape {
        /** Uniform in the logarithm of the size. */
        LOG_UNIFORM,
        /** Uniform in the size. */
        UNIFORM,
        /** Shifted exponential with its mean at the geometric middle of the range. */
        EXPONENTIAL,
        /** Log-normal with its median at the geometric middle of the range. */
        LOG_NORMAL,
        /** Mostly powers of two, with a share of other sizes. */
        POWER_OF_TWO,
        /** Density proportional to 1/size², as glibc's bench-malloc-thread. */
        INVERSE_SQUARE;

        /** The name in configurations: {@code log-uniform}, {@code power-of-two}, … */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
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
            throw new IllegalArgumentException("unknown size distribution '" + label + "' (known: " + labels() + ")");
        }

        /** Every label, in declaration order. */
        public static List<String> labels() {
            return Arrays.stream(values()).map(Shape::label).toList();
        }
    }

    private final Shape shape;
    private final long min;
    private final long max;
    private final double logMin;
    private final double logSpan;
    private final double middle;
    private final double sigma;
    private final int lowExponent;
    private final int highExponent;

    private SizeDistribution(Shape shape, long min, long max) {
        this.shape = shape;
        this.min = min;
        this.max = max;
        this.logMin = Math.log(min);
        this.logSpan = Math.log(max) - logMin;
        this.middle = Math.sqrt((double) min * max);
        this.sigma = logSpan / 6;
        this.lowExponent = 64 - Long.numberOfLeadingZeros(min - 1);   // ceil(log2 min)
        this.highExponent = 63 - Long.numberOfLeadingZeros(max);      // floor(log2 max)
    }

    /**
     * A distribution of {@code shape} over {@code [min, max]}.
     *
     * @throws IllegalArgumentException unless {@code 1 <= min <= max <= Allocator.MAX_REQUEST}
     */
    public static SizeDistribution of(Shape shape, long min, long max) {
        if (min < 1 || min > max || max > Allocator.MAX_REQUEST) {
            throw new IllegalArgumentException("needs 1 <= min (" + min + ") <= max (" + max + ") <= "
                    + Allocator.MAX_REQUEST);
        }
        return new SizeDistribution(shape, min, max);
    }

    /**
     * The {@code sizes} parameter, a choice of every {@link Shape}, defaulting to {@code defaultShape}.
     *
     * @param range what the sizes are drawn between, for the description ("min-size and max-size")
     */
    public static ParameterSpec parameter(Shape defaultShape, String range) {
        return ParameterSpec.choice(PARAMETER, defaultShape.label(),
                "how sizes spread between " + range + ": " + String.join(", ", Shape.labels()),
                Shape.labels().toArray(String[]::new));
    }

    /**
     * The distribution the resolved {@code sizes} parameter and the byte parameters {@code minName} and
     * {@code maxName} describe.
     *
     * @throws IllegalArgumentException from {@link Parameters#invalid} when the bounds do not fit
     */
    public static SizeDistribution from(Parameters p, String minName, String maxName) {
        long min = p.bytes(minName);
        long max = p.bytes(maxName);
        if (min < 1 || min > max) {
            throw p.invalid(minName, "needs 1 <= " + minName + " <= " + maxName + " (" + max + ")");
        }
        if (max > Allocator.MAX_REQUEST) {
            throw p.invalid(maxName, "is above the largest request, " + Allocator.MAX_REQUEST);
        }
        return of(Shape.of(p.choice(PARAMETER)), min, max);
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The smallest size drawn. */
    public long min() {
        return min;
    }

    /** The largest size drawn. */
    public long max() {
        return max;
    }

    /** One size in {@code [min, max]}. */
    public long next(SplittableRandom random) {
        return switch (shape) {
            case LOG_UNIFORM -> logUniform(random);
            case UNIFORM -> min + random.nextLong(max - min + 1);
            case EXPONENTIAL -> clamp(min + (long) (-Math.log(1 - random.nextDouble()) * (middle - min)));
            case LOG_NORMAL -> clamp(Math.round(Math.exp(logMin + logSpan / 2 + random.nextGaussian() * sigma)));
            case POWER_OF_TWO -> random.nextDouble() < OTHER_SIZES_SHARE || lowExponent > highExponent
                    ? logUniform(random)
                    : 1L << (lowExponent + random.nextInt(highExponent - lowExponent + 1));
            case INVERSE_SQUARE -> clamp((long) (1 / (1.0 / min - random.nextDouble() * (1.0 / min - 1.0 / max))));
        };
    }

    private long logUniform(SplittableRandom random) {
        return clamp(Math.round(Math.exp(logMin + random.nextDouble() * logSpan)));
    }

    private long clamp(long size) {
        return Math.min(max, Math.max(min, size));
    }

    @Override
    public String toString() {
        return shape.label() + " [" + min + ", " + max + "]";
    }
}
