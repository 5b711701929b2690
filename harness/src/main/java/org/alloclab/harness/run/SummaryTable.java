package org.alloclab.harness.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;
import org.alloclab.api.Sizes;

/** The table `alloclab run` prints when an experiment ends: one row per run. */
public final class SummaryTable {

    private static final String[] HEADER = {"strategy", "vm", "workload", "ops", "failed", "peak live",
            "peak committed", "footprint", "resident", "after free-all", "alloc p50/p99 ns", "free p50/p99 ns", "Mops/s"};

    private SummaryTable() {
    }

    /**
     * The table as text, columns padded to their widest cell. When a run had more than one thread, a
     * {@code threads} column follows the workload, and a strategy that ran behind decorators shows them
     * in brackets ({@code linear.vm [locking]}) unless its label names them (a strategy with layers is
     * labelled {@code dsmalloc + red-zones} by default).
     */
    public static String render(List<RunResult> results) {
        return renderRows(results);
    }

    /** The strategy's label, then in brackets the decorators it does not already name (its layers do). */
    private static String labelled(RunResult r) {
        List<String> unnamed = r.decorators().stream().filter(d -> !r.strategy().contains(d)).toList();
        return unnamed.isEmpty() ? r.strategy() : r.strategy() + " [" + String.join(", ", unnamed) + "]";
    }

    private static String renderRows(List<RunResult> results) {
        boolean threaded = results.stream().anyMatch(r -> r.threads() > 1);
        var rows = new ArrayList<String[]>();
        rows.add(threaded ? withThreads(HEADER, "threads") : HEADER);
        for (RunResult r : results) {
            String[] row = {
                    labelled(r),
                    r.virtualMemory(), r.workload(),
                    String.format(Locale.ROOT, "%,d", r.events()),
                    String.format(Locale.ROOT, "%,d", r.failures()),
                    Sizes.format(r.peakLiveBytes()), Sizes.format(r.peakCommittedBytes()),
                    ratio(r.footprintRatio()), ratio(r.residentRatio()), Sizes.format(r.committedAfterFreeAllBytes()),
                    p50p99(r.latency().get("allocate")), p50p99(r.latency().get("free")),
                    String.format(Locale.ROOT, "%.2f", r.throughput() / 1e6)};
            rows.add(threaded ? withThreads(row, Integer.toString(r.threads())) : row);
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

    /** {@code row} with {@code threads} inserted after the workload column. */
    private static String[] withThreads(String[] row, String threads) {
        String[] wider = new String[row.length + 1];
        System.arraycopy(row, 0, wider, 0, 3);
        wider[3] = threads;
        System.arraycopy(row, 3, wider, 4, row.length - 3);
        return wider;
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static String p50p99(Histogram h) {
        return h == null ? "-" : h.getValueAtPercentile(50) + " / " + h.getValueAtPercentile(99);
    }
}
