package org.alloclab.harness.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alloclab.api.Sizes;

/**
 * The table {@code alloclab run} prints when an experiment ends, from its {@code results.json}: one row per
 * strategy × virtual memory × workload × threads, from the summary of its repetitions — footprint figures
 * (which repeat exactly for alloclab's strategies; a figure that varied is marked {@code ~}), among them peak
 * committed bytes over the ideal footprint ({@code × ideal}, 1.00 the physical limit), median
 * latencies, and the median throughput with its 95% confidence interval.
 */
public final class SummaryTable {

    private static final String[] HEADER = {"strategy", "vm", "workload", "ops", "failed", "peak live",
            "peak committed", "footprint", "resident", "× ideal", "after free-all", "alloc p50/p99 ns", "free p50/p99 ns",
            "Mops/s", "95% CI"};

    private SummaryTable() {
    }

    /** {@code results.json} of {@code folder}. */
    public static Map<String, Object> read(Path folder) {
        try {
            return new ObjectMapper().readValue(folder.resolve("results.json").toFile(),
                    new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + folder.resolve("results.json") + ": " + e.getMessage(), e);
        }
    }

    /** Whether any cell of the results ran on more than one thread. */
    public static boolean threaded(Map<String, Object> results) {
        return entries(results).stream().anyMatch(e -> number(e, Schema.THREADS) > 1);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> entries(Map<String, Object> results) {
        return results.get(Schema.SUMMARY) instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    /**
     * The table as text, columns padded to their widest cell. When a run had more than one thread, a
     * {@code threads} column follows the workload, and a strategy that ran behind decorators shows them in
     * brackets ({@code linear.vm [locking]}) unless its label names them (a strategy with layers is labelled
     * {@code dsmalloc + red-zones} by default). A group none of whose cells finished shows how they ended.
     */
    public static String render(Map<String, Object> results) {
        boolean threaded = threaded(results);
        var rows = new ArrayList<String[]>();
        rows.add(threaded ? withThreads(HEADER, "threads") : HEADER);
        for (Map<String, Object> e : entries(results)) {
            String[] row;
            if (number(e, Schema.FINISHED) == 0) {
                row = new String[HEADER.length];
                java.util.Arrays.fill(row, "-");
                row[3] = "no cell finished";
            } else {
                Map<?, ?> throughput = (Map<?, ?>) e.get(Schema.THROUGHPUT);
                row = new String[] {"", "", "",
                        String.format(Locale.ROOT, "%,d", (long) number(e, Schema.EVENTS)),
                        String.format(Locale.ROOT, "%,d", (long) number(e, Schema.FAILURES)),
                        bytes(e, Schema.PEAK_LIVE_BYTES), bytes(e, Schema.PEAK_COMMITTED_BYTES),
                        ratio(e, Schema.FOOTPRINT_RATIO), ratio(e, Schema.RESIDENT_RATIO),
                        ratio(e, Schema.IDEAL_RATIO), bytes(e, Schema.COMMITTED_AFTER_FREE_ALL_BYTES),
                        p50p99(e, "allocate"), p50p99(e, "free"),
                        mops(throughput.get(Schema.MEDIAN)),
                        throughput.get(Schema.CI95_LOW) == null ? "-"
                                : mops(throughput.get(Schema.CI95_LOW)) + "–" + mops(throughput.get(Schema.CI95_HIGH))};
            }
            row[0] = labelled(e);
            row[1] = String.valueOf(e.get(Schema.VIRTUAL_MEMORY));
            row[2] = String.valueOf(e.get(Schema.WORKLOAD));
            rows.add(threaded ? withThreads(row, String.valueOf((long) number(e, Schema.THREADS))) : row);
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        var sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            String[] row = rows.get(i);
            for (int c = 0; c < row.length; c++) {
                boolean numeric = c >= 3;           // the threads column, when there, is numeric too
                sb.append(numeric ? " ".repeat(width[c] - row[c].length()) + row[c]
                        : row[c] + " ".repeat(width[c] - row[c].length()));
                sb.append(c + 1 < row.length ? "  " : "\n");
            }
            if (i == 0) {
                for (int c = 0; c < width.length; c++) {
                    sb.append("-".repeat(width[c])).append(c + 1 < width.length ? "  " : "\n");
                }
            }
        }
        return sb.toString();
    }

    /**
     * What the harness held back, one line per strategy × virtual memory × workload × threads that it touched: requests
     * above {@code max-request} it refused and never sent to the allocator, and blocks it wrote only in part because
     * whole ones would have passed the touch limit; empty when it held back nothing. Both change what the figures
     * measure, so they are said beside the table, not only in results.json.
     */
    public static String heldBack(Map<String, Object> results) {
        var sb = new StringBuilder();
        for (Map<String, Object> e : entries(results)) {
            double refused = number(e, Schema.REFUSED_BY_HARNESS);
            double limited = number(e, Schema.TOUCH_LIMITED);
            String what = labelled(e) + " on " + e.get(Schema.VIRTUAL_MEMORY) + ", " + e.get(Schema.WORKLOAD)
                    + (number(e, Schema.THREADS) > 1 ? " (" + (long) number(e, Schema.THREADS) + " threads)" : "");
            if (refused > 0) {
                double ceiling = number(e, Schema.MAX_REQUEST_BYTES);
                sb.append(String.format(Locale.ROOT, "Refused by the harness: %,d request%s above max-request (%s) in %s %s"
                                + " never sent to the allocator; an allocation refused so counts as not made and its block's"
                                + " later operations as skipped. Raise max-request (--max-request) to replay %s.%n",
                        (long) refused, refused == 1 ? "" : "s",
                        Double.isNaN(ceiling) ? "?" : Sizes.format((long) ceiling), what, refused == 1 ? "was" : "were",
                        refused == 1 ? "it" : "them"));
            }
            if (limited > 0) {
                sb.append(String.format(Locale.ROOT, "Touch limit: %,d block%s in %s got only their first bytes written, as"
                                + " writing every byte would have put more than max-request (at most half the physical memory)"
                                + " into live blocks; resident figures are below what a program writing them would have.%n",
                        (long) limited, limited == 1 ? "" : "s", what));
            }
        }
        return sb.toString();
    }

    /** The strategy's label, then in brackets the decorators it does not already name (its layers do). */
    private static String labelled(Map<String, Object> e) {
        String strategy = String.valueOf(e.get(Schema.STRATEGY));
        List<String> unnamed = e.get(Schema.DECORATORS) instanceof List<?> d
                ? d.stream().map(String::valueOf).filter(x -> !strategy.contains(x)).toList() : List.of();
        return unnamed.isEmpty() ? strategy : strategy + " [" + String.join(", ", unnamed) + "]";
    }

    /** {@code row} with {@code threads} inserted after the workload column. */
    private static String[] withThreads(String[] row, String threads) {
        String[] wider = new String[row.length + 1];
        System.arraycopy(row, 0, wider, 0, 3);
        wider[3] = threads;
        System.arraycopy(row, 3, wider, 4, row.length - 3);
        return wider;
    }

    private static double number(Map<?, ?> e, String key) {
        return e.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A footprint figure, with {@code ~} when it differed between repetitions (the median is shown). */
    private static String varies(Map<?, ?> e, String key, String text) {
        return e.get(Schema.VARYING) instanceof Map<?, ?> v && v.containsKey(key) ? "~" + text : text;
    }

    private static String bytes(Map<?, ?> e, String key) {
        double v = number(e, key);
        return Double.isNaN(v) ? "-" : varies(e, key, Sizes.format((long) v));
    }

    private static String ratio(Map<?, ?> e, String key) {
        double r = number(e, key);
        return Double.isNaN(r) ? "-" : varies(e, key, String.format(Locale.ROOT, "%.2f", r));
    }

    private static String mops(Object opsPerSecond) {
        return opsPerSecond instanceof Number n ? String.format(Locale.ROOT, "%.2f", n.doubleValue() / 1e6) : "-";
    }

    private static String p50p99(Map<?, ?> e, String op) {
        if (e.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat && lat.get(op) instanceof Map<?, ?> p
                && p.get(Schema.P50) instanceof Map<?, ?> p50 && p.get(Schema.P99) instanceof Map<?, ?> p99) {
            return p50.get(Schema.MEDIAN) + " / " + p99.get(Schema.MEDIAN);
        }
        return "-";
    }
}
