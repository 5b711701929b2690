package org.alloclab.harness.report;

import org.alloclab.harness.run.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.harness.report.RunFolder.Run;
import org.alloclab.harness.report.Table.Cell;

/**
 * The report's sections for what the debugging and profiling layers found: usage against each budget,
 * the top allocation sites by live bytes and by churn, and fragmentation over time. A section appears only
 * when some run had the layer.
 */
final class LayerSections {

    private final RunFolder folder;
    private final Charts charts;

    LayerSections(RunFolder folder, Charts charts) {
        this.folder = folder;
        this.charts = charts;
    }

    /** The sections there is something for. */
    List<Report.Section> sections() {
        var out = new ArrayList<Report.Section>();
        Report.Section s = budgets();
        if (s != null) {
            out.add(s);
        }
        s = sites();
        if (s != null) {
            out.add(s);
        }
        s = fragmentation();
        if (s != null) {
            out.add(s);
        }
        return out;
    }

    private static Map<?, ?> findings(Run r, String layer) {
        return r.entry().get(Schema.LAYERS) instanceof Map<?, ?> layers && layers.get(layer) instanceof Map<?, ?> m ? m : null;
    }

    private static long count(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }

    // ---- budgets -------------------------------------------------------------------------------------

    private Report.Section budgets() {
        var t = new Table.Builder("budgets", "Usage against budget", "The bytes a strategy instance's live blocks"
                + " asked for, against the budget its budget layer gave it; refused requests returned 0 as an"
                + " allocation the strategy cannot serve does.",
                List.of("strategy", "virtual memory", "workload", "budget", "peak used", "peak ÷ budget",
                        "used at the end", "refused requests", "refused bytes"));
        boolean any = false;
        for (Run r : folder.runs()) {
            Map<?, ?> b = findings(r, "budget");
            if (b == null) {
                continue;
            }
            any = true;
            long budget = count(b, "budget_bytes");
            long peak = count(b, "peak_used_bytes");
            double share = budget == 0 ? Double.NaN : (double) peak / budget;
            t.row(List.of(Cell.text(r.strategy()), Cell.text(r.virtualMemory()), Cell.text(r.workload()),
                    bytes(budget), bytes(peak), Cell.number(String.format("%.0f%%", 100 * share), share),
                    bytes(count(b, "used_bytes")), Cell.number(Format.count(count(b, "refusals")), count(b, "refusals")),
                    bytes(count(b, "refused_bytes"))));
        }
        return any ? new Report.Section("budgets", "Budgets", "", List.of(t.build()), List.of(), List.of()) : null;
    }

    private static Cell bytes(long b) {
        return Cell.number(Format.bytes(b), b);
    }

    // ---- sites ---------------------------------------------------------------------------------------

    private Report.Section sites() {
        var tables = new ArrayList<Table>();
        int n = 0;
        for (String w : folder.workloads()) {
            for (Run r : folder.runsOf(w)) {
                Map<?, ?> f = findings(r, "sites");
                if (f == null) {
                    continue;
                }
                n++;
                String of = folder.label(r) + " on " + w;
                boolean recorded = Boolean.TRUE.equals(f.get("recorded"));
                String how = recorded ? "The trace's recorded callers, every allocation counted (the same for every"
                        + " strategy that replays it in full, so one run stands for all)"
                        : count(f, "sample_bytes") == 0 ? "Every allocation counted"
                        : "Sampled once per " + Format.bytes(count(f, "sample_bytes")) + " on average: estimates";
                tables.add(siteTable("sites-live-" + n, "Top sites by peak live bytes: " + of, how
                        + ". A site's peak is the most its blocks held at once.", f.get("by_live")));
                tables.add(siteTable("sites-churn-" + n, "Top sites by churn: " + of, how
                        + ". Churn is what the site's blocks allocated and then freed again during the run.", f.get("by_churn")));
                if (recorded) {
                    break;
                }
            }
        }
        return tables.isEmpty() ? null : new Report.Section("sites", "Allocation sites", "Where the memory was asked"
                + " for: the caller recorded in a trace, or the caller's frames when the sites layer walked the stack.",
                tables, List.of(), List.of());
    }

    private static Table siteTable(String id, String title, String note, Object rows) {
        var t = new Table.Builder(id, title, note, List.of("site", "allocations", "bytes allocated", "peak live",
                "live at the end", "freed", "bytes freed"));
        if (rows instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> row) {
                    t.row(List.of(Cell.text(String.valueOf(row.get("site"))),
                            Cell.number(Format.count(count(row, "allocations")), count(row, "allocations")),
                            bytes(count(row, "bytes")), bytes(count(row, "peak_live_bytes")),
                            bytes(count(row, "live_bytes")),
                            Cell.number(Format.count(count(row, "freed")), count(row, "freed")),
                            bytes(count(row, "freed_bytes"))));
                }
            }
        }
        return t.build();
    }

    // ---- fragmentation -------------------------------------------------------------------------------

    private Report.Section fragmentation() {
        var list = new ArrayList<Charts.Chart>();
        for (String w : folder.workloads()) {
            var internal = new ArrayList<Charts.Line>();
            var external = new ArrayList<Charts.Line>();
            var overhead = new ArrayList<Charts.Line>();
            for (Run r : folder.runsOf(w)) {
                Map<?, ?> f = findings(r, "fragmentation");
                if (f == null) {
                    continue;
                }
                double[] x = column(f, "operation");
                String label = folder.label(r);
                add(internal, label, r.strategy(), x, column(f, "internal"));
                add(external, label, r.strategy(), x, column(f, "external"));
                add(overhead, label, r.strategy(), x, column(f, "overhead"));
            }
            if (!internal.isEmpty()) {
                list.add(charts.ratios("Internal fragmentation on " + w, "(usable − requested) ÷ requested", internal));
            }
            if (!external.isEmpty()) {
                list.add(charts.ratios("External fragmentation on " + w, "1 − largest free ÷ all free", external));
            }
            if (!overhead.isEmpty()) {
                list.add(charts.ratios("Overhead on " + w, "metadata bytes ÷ live bytes", overhead));
            }
        }
        return list.isEmpty() ? null : new Report.Section("fragmentation", "Fragmentation over time", "Sampled by the"
                + " fragmentation layer through each run, with alloclab's one definition of each: internal over live"
                + " blocks, external from a walk of the free spans, overhead from the strategy's metadata.",
                List.of(), list, List.of());
    }

    /** A line without its undefined points (no live bytes, no usable sizes). */
    private static void add(List<Charts.Line> lines, String name, String strategy, double[] x, double[] y) {
        int n = 0;
        for (double v : y) {
            if (!Double.isNaN(v)) {
                n++;
            }
        }
        if (n == 0) {
            return;
        }
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0, k = 0; i < y.length; i++) {
            if (!Double.isNaN(y[i])) {
                xs[k] = x[i];
                ys[k++] = y[i];
            }
        }
        lines.add(new Charts.Line(name, strategy, xs, ys, false, true, false));
    }

    private static double[] column(Map<?, ?> f, String key) {
        if (!(f.get(key) instanceof List<?> values)) {
            return new double[0];
        }
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return out;
    }
}
