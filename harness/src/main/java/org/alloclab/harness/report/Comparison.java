package org.alloclab.harness.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.alloclab.harness.report.RunFolder.Run;
import org.alloclab.harness.report.Table.Cell;
import org.alloclab.harness.run.Schema;

/**
 * Two runs side by side ({@code alloclab report A B}): every (strategy, virtual memory, workload, threads)
 * that both have, with A's figure, B's, and B ÷ A; the latency curves of both on one chart per workload
 * and operation; and what only one of them has. Written as a report of its own into a new folder.
 */
public final class Comparison {

    private Comparison() {
    }

    /** Compares {@code a} (before) with {@code b} (after) into {@code out}; returns the page. */
    public static Path write(Path a, Path b, Path out) {
        RunFolder before = RunFolder.read(a);
        RunFolder after = RunFolder.read(b);
        var strategies = new ArrayList<String>();
        for (RunFolder f : List.of(before, after)) {
            f.runs().forEach(r -> {
                if (!strategies.contains(r.strategy())) {
                    strategies.add(r.strategy());
                }
            });
        }
        var charts = new Charts(strategies);
        Map<String, Run> left = index(before);
        Map<String, Run> right = index(after);
        var t = new Table.Builder("comparison", "B against A", "Each row is a run both folders have (with repetitions,"
                + " the median throughput and the median repetition's latency). B ÷ A below 1 is better for footprint and"
                + " latency, above 1 for throughput.",
                List.of("strategy", "virtual memory", "workload", "threads", "footprint A", "footprint B", "B ÷ A",
                        "throughput A (Mops/s)", "throughput B", "B ÷ A", "allocate p99 A (ns)", "p99 B", "B ÷ A",
                        "free p99 A (ns)", "p99 B", "B ÷ A"));
        var lines = new LinkedHashMap<String, List<Charts.Line>>();
        for (var e : left.entrySet()) {
            Run x = e.getValue();
            Run y = right.get(e.getKey());
            if (y == null) {
                continue;
            }
            var cells = new ArrayList<Cell>(List.of(Cell.text(x.strategy()), Cell.text(x.virtualMemory()),
                    Cell.text(x.workload()), Cell.number(String.valueOf(x.threads()), x.threads())));
            triple(cells, Report.footprintRatio(x), Report.footprintRatio(y), "%.3f");
            triple(cells, x.median(Schema.THROUGHPUT) / 1e6, y.median(Schema.THROUGHPUT) / 1e6, "%.2f");
            triple(cells, p99(x, "allocate"), p99(y, "allocate"), "%.0f");
            triple(cells, p99(x, "free"), p99(y, "free"), "%.0f");
            t.row(cells);
            for (String op : x.latency().keySet()) {
                Histogram hy = y.latency().get(op);
                if (hy == null) {
                    continue;
                }
                var list = lines.computeIfAbsent(op + " latency on " + x.workload(), k -> new ArrayList<>());
                list.add(Report.distribution(x.strategy() + " (A)", x.strategy(), x.latency().get(op)));
                var l = Report.distribution(x.strategy() + " (B)", x.strategy(), hy);
                list.add(new Charts.Line(l.name(), l.colourOf(), l.x(), l.y(), true, true, false));
            }
        }
        var only = new Table.Builder("unmatched", "In one folder only", "", List.of("folder", "strategy", "virtual memory",
                "workload", "threads"));
        left.keySet().stream().filter(k -> !right.containsKey(k)).forEach(k -> only.row(row("A", left.get(k))));
        right.keySet().stream().filter(k -> !left.containsKey(k)).forEach(k -> only.row(row("B", right.get(k))));
        var chartList = new ArrayList<Charts.Chart>();
        lines.forEach((title, l) -> chartList.add(charts.latency(title + " — A solid, B dashed", "nanoseconds per call (log)", l)));
        var tables = new ArrayList<Table>(List.of(t.build()));
        if (!only.isEmpty()) {
            tables.add(only.build());
        }
        var section = new Report.Section("comparison", "A: " + a + " — B: " + b, "", tables, chartList, List.of());
        try {
            Files.createDirectories(out);
            Path csv = Files.createDirectories(out.resolve("csv"));
            for (Table table : tables) {
                ReportWriter.writeCsv(csv.resolve(table.id() + ".csv"), table);
            }
            var context = new LinkedHashMap<String, Object>();
            context.put("title", "alloclab: B against A");
            context.put("started", before.header().getOrDefault(Schema.STARTED, "?") + " (A), "
                    + after.header().getOrDefault(Schema.STARTED, "?") + " (B)");
            Path launcher = org.alloclab.harness.run.Environment.home().resolve("alloclab");
            context.put("rerun", (Files.isRegularFile(launcher) ? Metadata.quote(launcher.toString()) : "alloclab")
                    + " report " + Metadata.quote(a.toAbsolutePath().normalize().toString()) + " "
                    + Metadata.quote(b.toAbsolutePath().normalize().toString()));
            context.put("sections", List.of(ReportWriter.section(section)));
            context.put("contents", List.of(Map.of("id", "comparison", "title", "B against A"),
                    Map.of("id", "metadata", "title", "How this was run")));
            var rows = new ArrayList<Map<String, String>>();
            rows.add(Map.of("name", "A", "value", a.toAbsolutePath().normalize() + " — " + describe(before)));
            rows.add(Map.of("name", "B", "value", b.toAbsolutePath().normalize() + " — " + describe(after)));
            context.put("metadata", rows);
            context.put("configuration", "");
            Path page = out.resolve("report.html");
            org.alloclab.harness.run.AtomicFile.writeString(page, ReportWriter.PAGE.execute(context));
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the comparison into " + out + ": " + e.getMessage(), e);
        }
    }

    private static String describe(RunFolder f) {
        Object env = f.header().get(Schema.ENVIRONMENT);
        String commit = env instanceof Map<?, ?> m ? String.valueOf(m.get(Schema.GIT_COMMIT)) : "?";
        return f.runs().size() + " runs, started " + f.header().getOrDefault(Schema.STARTED, "?") + ", commit " + commit;
    }

    private static List<Cell> row(String folder, Run r) {
        return List.of(Cell.text(folder), Cell.text(r.strategy()), Cell.text(r.virtualMemory()), Cell.text(r.workload()),
                Cell.number(String.valueOf(r.threads()), r.threads()));
    }

    private static Map<String, Run> index(RunFolder f) {
        var m = new LinkedHashMap<String, Run>();
        f.runs().forEach(r -> m.put(r.key(), r));
        return m;
    }

    private static double p99(Run r, String op) {
        Histogram h = r.latency().get(op);
        return h == null ? Double.NaN : h.getValueAtPercentile(99);
    }

    private static void triple(List<Cell> cells, double a, double b, String format) {
        cells.add(Cell.number(fmt(a, format), Double.isNaN(a) ? null : a));
        cells.add(Cell.number(fmt(b, format), Double.isNaN(b) ? null : b));
        double q = b / a;
        cells.add(Cell.number(Double.isNaN(q) || Double.isInfinite(q) ? "—" : String.format(Locale.ROOT, "%.3f", q),
                Double.isNaN(q) || Double.isInfinite(q) ? null : Format.round(q, 4)));
    }

    private static String fmt(double v, String format) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, format, v);
    }
}
