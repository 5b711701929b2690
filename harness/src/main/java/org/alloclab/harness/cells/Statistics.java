package org.alloclab.harness.cells;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.alloclab.harness.run.Schema;

/**
 * What a summary says of one figure measured in several repetitions: the median, the least and the most,
 * and a 95% confidence interval.
 *
 * <h2>The interval</h2>
 * Times vary by factors, not by amounts (a cell slowed by a neighbour takes 1.3× as long, not 40 ms more),
 * and cannot be negative, so the interval is Student's t on the logarithms: for {@code n} values with
 * logarithms of mean {@code m} and standard deviation {@code s}, {@code exp(m ± t(0.975, n − 1) · s / √n)},
 * an interval for the figure's typical (geometric mean) value. With three repetitions {@code t} is 4.30, so a
 * spread of a few percent between them gives an interval of about ±10%: few repetitions give wide
 * intervals, honestly. A figure with a value of zero or less falls back to t on the values themselves. One
 * repetition has no interval.
 */
final class Statistics {

    /** t(0.975, df) for df = 1 … 30. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
            2.056, 2.052, 2.048, 2.045, 2.042};

    private Statistics() {
    }

    /** The quantile 0.975 of Student's t with {@code df} degrees of freedom. */
    static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be at least 1, was " + df);
        }
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959964;                                 // Cornish-Fisher expansion, good to 1e-4 past 30
        return z + (z * z * z + z) / (4.0 * df) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * df * df);
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** {@code [low, high]}, the 95% interval described in the class comment; null for fewer than two values. */
    static double[] interval95(double[] values) {
        int n = values.length;
        if (n < 2) {
            return null;
        }
        if (Arrays.stream(values).allMatch(v -> v == values[0])) {
            return new double[] {values[0], values[0]};
        }
        boolean positive = Arrays.stream(values).allMatch(v -> v > 0);
        double[] x = positive ? Arrays.stream(values).map(Math::log).toArray() : values;
        double mean = Arrays.stream(x).average().orElse(0);
        double ss = 0;
        for (double v : x) {
            ss += (v - mean) * (v - mean);
        }
        double half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
        return positive ? new double[] {Math.exp(mean - half), Math.exp(mean + half)} : new double[] {mean - half, mean + half};
    }

    /** median, ci95_low, ci95_high, min and max of {@code values}, rounded to {@code digits} decimals. */
    static Map<String, Object> describe(double[] values, int digits) {
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.MEDIAN, round(median(values), digits));
        double[] ci = interval95(values);
        m.put(Schema.CI95_LOW, ci == null ? null : round(ci[0], digits));
        m.put(Schema.CI95_HIGH, ci == null ? null : round(ci[1], digits));
        m.put(Schema.MIN, round(Arrays.stream(values).min().orElse(Double.NaN), digits));
        m.put(Schema.MAX, round(Arrays.stream(values).max().orElse(Double.NaN), digits));
        return m;
    }

    private static Object round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        if (digits == 0) {
            return Math.round(v);
        }
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
