package org.alloclab.harness.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.alloclab.harness.report.RunFolder.Run;
import org.alloclab.harness.report.Table.Cell;
import org.alloclab.harness.run.HeapSnapshot;
import org.alloclab.harness.run.Schema;

/**
 * What a report of one results folder shows, built from the folder alone: tables, charts and heap maps,
 * in the order the page gives them. {@link ReportWriter} writes it as HTML, Markdown and CSV.
 */
final class Report {

    /** A heap map drawn for the report. */
    record HeapMap(String id, String title, String caption, HeapMapImage image) {
    }

    /** A part of the page: a heading, a paragraph, then tables, charts and heap maps. */
    record Section(String id, String title, String text, List<Table> tables, List<Charts.Chart> charts,
                   List<HeapMap> heapMaps) {
    }

    private final RunFolder folder;
    private final Charts charts;
    private final List<Section> sections = new ArrayList<>();
    private final Set<String> heapMapStrategies;

    /**
     * @param folder            the results
     * @param heapMapStrategies strategies whose heap maps to draw; empty for the first two that have one
     */
    Report(RunFolder folder, Set<String> heapMapStrategies) {
        this.folder = folder;
        this.heapMapStrategies = heapMapStrategies;
        var names = new LinkedHashSet<String>();
        folder.runs().forEach(r -> names.add(r.strategy()));
        folder.benchmarks().forEach(b -> names.add(b.param("strategy")));
        this.charts = new Charts(List.copyOf(names));
        Section notes = notes();
        if (notes != null) {
            sections.add(notes);
        }
        if (!folder.runs().isEmpty()) {
            sections.add(footprintRatios());
            sections.add(summary());
            sections.add(throughput());
            sections.add(footprintOverTime());
            sections.add(latency());
            sections.addAll(new LayerSections(folder, charts).sections());
            var heap = heapMaps();
            if (heap != null) {
                sections.add(heap);
            }
        }
        if (!folder.benchmarks().isEmpty()) {
            sections.add(Benchmarks.section(folder.benchmarks(), charts));
        }
        if (!folder.failures().isEmpty()) {
            sections.add(failures());
        }
    }

    List<Section> sections() {
        return sections;
    }

    RunFolder folder() {
        return folder;
    }

    // ---- footprint ratio ---------------------------------------------------------------------------

    private Section footprintRatios() {
        List<String> workloads = folder.workloads();
        var rows = new LinkedHashMap<String, Map<String, Run>>();
        for (Run r : folder.runs()) {
            rows.computeIfAbsent(folder.label(r), k -> new LinkedHashMap<>()).put(r.workload(), r);
        }
        var peers = new ArrayList<String>();
        for (Run r : folder.runs()) {
            if (r.peer() && !peers.contains(folder.label(r))) {
                peers.add(folder.label(r));
            }
        }
        var columns = new ArrayList<String>();
        columns.add("strategy");
        columns.addAll(workloads);
        columns.add("geometric mean");
        peers.forEach(p -> columns.add("÷ " + p));
        var t = new Table.Builder("footprint-ratio", "Footprint ratio: peak committed ÷ peak live",
                "1.00 would hold exactly the bytes asked for. Lowest per column in bold; a run with failed allocations"
                        + " (†) is not ranked. The ÷ columns divide a strategy's geometric mean by a peer's.",
                columns);
        var geo = new LinkedHashMap<String, Double>();
        for (var e : rows.entrySet()) {
            double logSum = 0;
            int n = 0;
            boolean complete = true;
            for (String w : workloads) {
                Run r = e.getValue().get(w);
                if (r == null || Double.isNaN(footprintRatio(r))) {
                    complete = false;
                    continue;
                }
                logSum += Math.log(footprintRatio(r));
                n++;
            }
            geo.put(e.getKey(), complete && n > 0 ? Math.exp(logSum / n) : Double.NaN);
        }
        for (var e : rows.entrySet()) {
            var cells = new ArrayList<Cell>();
            cells.add(Cell.text(e.getKey()));
            boolean anyFailed = false;
            for (String w : workloads) {
                Run r = e.getValue().get(w);
                if (r == null) {
                    cells.add(Cell.text("—"));
                    continue;
                }
                double ratio = footprintRatio(r);
                boolean failed = r.count(Schema.FAILURES, 0) > 0;
                anyFailed |= failed;
                Cell c = Cell.number(Format.ratio(ratio) + (failed ? " †" : ""), Double.isNaN(ratio) ? null : ratio);
                cells.add(failed ? c.unranked() : c);
            }
            double g = geo.get(e.getKey());
            Cell gc = Cell.number(Format.ratio(g), Double.isNaN(g) ? null : Format.round(g, 4));
            cells.add(anyFailed ? gc.unranked() : gc);
            for (String p : peers) {
                double q = g / geo.getOrDefault(p, Double.NaN);
                cells.add(Cell.number(Double.isNaN(q) ? "—" : String.format(Locale.ROOT, "%.3f×", q),
                        Double.isNaN(q) ? null : Format.round(q, 4)).unranked());
            }
            t.row(cells);
        }
        for (int c = 1; c <= workloads.size() + 1; c++) {
            t.best(c, true);
        }
        var tables = new ArrayList<Table>();
        tables.add(t.build());
        Table ideal = againstIdeal();
        if (ideal != null) {
            tables.add(ideal);
        }
        return new Section("footprint", "Footprint against the peers",
                "Peers (" + (peers.isEmpty() ? "none in this run" : String.join(", ", peers)) + ") are allocators in use today,"
                        + " measured in the same run on the same operations; their committed bytes are their own measure.",
                List.copyOf(tables), List.of(), List.of());
    }

    /**
     * For each workload (and thread count), the ideal footprint — the floor no allocator can beat — in a row of its
     * own, then each strategy's peak committed bytes and their ratio to it; null when no run has an ideal (results
     * written before it was recorded).
     */
    private Table againstIdeal() {
        if (folder.runs().stream().noneMatch(r -> r.count(Schema.IDEAL_FOOTPRINT_BYTES, -1) >= 0)) {
            return null;
        }
        var t = new Table.Builder("footprint-ideal", "Footprint against the ideal: peak committed ÷ ideal footprint",
                "The ideal footprint is the physical limit: the peak over time of the live blocks' sizes, each rounded up to"
                        + " the alignment it asked for, with no metadata and no holes. No allocator can hold less; 1.00 would"
                        + " reach it. With T threads each replaying its own copy of a workload it is T × one copy's, the"
                        + " floor when the copies' peaks coincide (threads that drift apart may need less, so a threaded run"
                        + " may come in under 1). Lowest per workload in bold; a run with failed allocations"
                        + " (†) is not ranked.",
                List.of("workload", "strategy", "peak committed", "× ideal"));
        boolean severalThreads = folder.severalThreadCounts();
        for (String w : folder.workloads()) {
            var byThreads = new LinkedHashMap<Integer, List<Run>>();
            folder.runsOf(w).forEach(r -> byThreads.computeIfAbsent(r.threads(), k -> new ArrayList<>()).add(r));
            for (var group : byThreads.entrySet()) {
                String workload = w + (severalThreads && group.getKey() > 1 ? " ×" + group.getKey() : "");
                long ideal = group.getValue().stream().mapToLong(r -> r.count(Schema.IDEAL_FOOTPRINT_BYTES, -1))
                        .filter(b -> b >= 0).findFirst().orElse(-1);
                t.row(List.of(Cell.text(workload), Cell.text("ideal"), bytes(ideal).unranked(),
                        Cell.number(ideal > 0 ? Format.ratio(1) : "—", ideal > 0 ? 1.0 : null).unranked()));
                var rows = new ArrayList<List<Cell>>();
                double best = Double.POSITIVE_INFINITY;
                for (Run r : group.getValue()) {
                    double ratio = idealRatio(r);
                    boolean failed = r.count(Schema.FAILURES, 0) > 0;
                    if (!failed && !Double.isNaN(ratio)) {
                        best = Math.min(best, ratio);
                    }
                    Cell c = Cell.number(Format.ratio(ratio) + (failed ? " †" : ""), Double.isNaN(ratio) ? null : ratio);
                    rows.add(List.of(Cell.text(workload), Cell.text(folder.label(r)), bytes(r, Schema.PEAK_COMMITTED_BYTES),
                            failed ? c.unranked() : c));
                }
                for (List<Cell> row : rows) {
                    Cell c = row.get(3);
                    boolean lowest = c.ranked() && !c.raw().isEmpty() && Double.parseDouble(c.raw()) == best;
                    t.row(lowest ? List.of(row.get(0), row.get(1), row.get(2), c.highlight()) : row);
                }
            }
        }
        return t.build();
    }

    /** A run's ratio to the ideal footprint: the median over its repetitions when they differed. */
    static double idealRatio(Run r) {
        return r.varying().get(Schema.IDEAL_RATIO) instanceof Map<?, ?> m && m.get(Schema.MEDIAN) instanceof Number n
                ? n.doubleValue() : r.number(Schema.IDEAL_RATIO);
    }

    /** A run's footprint ratio: the median over its repetitions when they differed (peers that decay by time). */
    static double footprintRatio(Run r) {
        return r.varying().get(Schema.FOOTPRINT_RATIO) instanceof Map<?, ?> m && m.get(Schema.MEDIAN) instanceof Number n
                ? n.doubleValue() : r.number(Schema.FOOTPRINT_RATIO);
    }

    // ---- what to keep in mind ------------------------------------------------------------------------

    /** Warnings about the timings: measured beside other cells, or on several machines; null when none apply. */
    private Section notes() {
        var text = new ArrayList<String>();
        if (folder.contended()) {
            text.add("Some cells were measured with other cells running at once (--jobs above 1): their times, throughput"
                    + " and latencies are contended and should not be compared or published; footprint figures are not"
                    + " affected.");
        }
        List<String> hosts = folder.hosts();
        if (hosts.size() > 1) {
            text.add("The cells ran on " + hosts.size() + " machines (" + String.join(", ", hosts) + "): a timing compared"
                    + " across cells that ran on different machines compares the machines too. Footprint figures are not"
                    + " affected.");
        }
        if (!folder.failures().isEmpty()) {
            text.add(folder.failures().size() + " cell" + (folder.failures().size() == 1 ? "" : "s") + " did not finish;"
                    + " see Failed cells.");
        }
        var refused = new ArrayList<String>();
        var limited = new ArrayList<String>();
        for (Run r : folder.runs()) {
            String what = r.strategy() + " on " + r.workload() + (r.threads() > 1 ? " (" + r.threads() + " threads)" : "");
            long n = r.count(Schema.REFUSED_BY_HARNESS, 0);
            if (n > 0) {
                long ceiling = r.count(Schema.MAX_REQUEST_BYTES, -1);
                refused.add(what + ": " + Format.count(n) + (ceiling > 0 ? " above " + org.alloclab.api.Sizes.format(ceiling)
                        : ""));
            }
            long t = r.count(Schema.TOUCH_LIMITED, 0);
            if (t > 0) {
                limited.add(what + ": " + Format.count(t));
            }
        }
        if (!refused.isEmpty()) {
            text.add("The harness refused requests above its ceiling (max-request) and never sent them to the allocator ("
                    + String.join("; ", refused) + "): a refused allocation counts as not made and its block's later"
                    + " operations as skipped, so these runs did not replay the whole workload. Raise max-request to replay"
                    + " them.");
        }
        if (!limited.isEmpty()) {
            text.add("Some blocks got only their first bytes written, as writing every byte would have put more than the"
                    + " touch limit (max-request, at most half the physical memory) into live blocks (" + String.join("; ", limited)
                    + "): their resident figures are below a program's that writes them.");
        }
        if (text.isEmpty()) {
            return null;
        }
        return new Section("notes", "Read this first", String.join(" ", text), List.of(), List.of(), List.of());
    }

    // ---- all runs ----------------------------------------------------------------------------------

    private Section summary() {
        var t = new Table.Builder("runs", "Every cell", "One row per strategy, virtual memory, workload and threads: footprint"
                + " figures (the same in every repetition for alloclab's strategies; ~ marks one that varied, whose median"
                + " is shown; ideal is the floor no allocator can beat, × ideal peak committed over it), and the median over the repetitions of the replay time, the throughput (operations per"
                + " second of replay time) and the latency percentiles (nanoseconds per call, the timer's own cost"
                + " included), with the 95% confidence interval of the time and throughput.",
                List.of("strategy", "virtual memory", "workload", "threads", "repetitions", "operations", "failed",
                        "peak live", "peak committed", "footprint", "resident", "ideal", "× ideal", "committed after free-all",
                        "replay time (ms)", "95% CI (ms)", "throughput (Mops/s)", "95% CI (Mops/s)",
                        "allocate p50 / p99 / p99.9", "free p50 / p99 / p99.9"));
        for (Run r : folder.runs()) {
            double[] time = r.interval(Schema.ELAPSED_MS);
            double[] mops = r.interval(Schema.THROUGHPUT);
            double throughput = r.median(Schema.THROUGHPUT);
            t.row(List.of(Cell.text(r.strategy()), Cell.text(r.virtualMemory()), Cell.text(r.workload()),
                    Cell.number(String.valueOf(r.threads()), r.threads()),
                    Cell.number(String.valueOf(r.repetitions().size()), r.repetitions().size()),
                    Cell.number(Format.count(r.count(Schema.EVENTS, 0)), r.count(Schema.EVENTS, 0)),
                    Cell.number(Format.count(r.count(Schema.FAILURES, 0)), r.count(Schema.FAILURES, 0)),
                    bytes(r, Schema.PEAK_LIVE_BYTES), bytes(r, Schema.PEAK_COMMITTED_BYTES),
                    ratio(r, Schema.FOOTPRINT_RATIO), ratio(r, Schema.RESIDENT_RATIO),
                    bytes(r, Schema.IDEAL_FOOTPRINT_BYTES), ratio(r, Schema.IDEAL_RATIO),
                    bytes(r, Schema.COMMITTED_AFTER_FREE_ALL_BYTES),
                    Cell.number(String.format(Locale.ROOT, "%.1f", r.median(Schema.ELAPSED_MS)), r.median(Schema.ELAPSED_MS)),
                    Cell.text(time == null ? "—" : String.format(Locale.ROOT, "%.1f–%.1f", time[0], time[1])),
                    Cell.number(Format.mops(throughput), nullIfNaN(throughput)),
                    Cell.text(mops == null ? "—" : Format.mops(mops[0]) + "–" + Format.mops(mops[1])),
                    Cell.number(percentiles(r, "allocate"), null), Cell.number(percentiles(r, "free"), null)));
        }
        return new Section("runs", "Runs", "", List.of(t.build()), List.of(), List.of());
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static Cell bytes(long b) {
        return Cell.number(b < 0 ? "—" : Format.bytes(b), b < 0 ? null : b);
    }

    /** A footprint figure of a run, marked ~ when it differed between repetitions (the summary's median then). */
    private static Cell bytes(Run r, String key) {
        Object varied = r.varying().get(key);
        long b = varied instanceof Map<?, ?> m && m.get(Schema.MEDIAN) instanceof Number n ? n.longValue() : r.count(key, -1);
        return Cell.number(b < 0 ? "—" : (varied != null ? "~" : "") + Format.bytes(b), b < 0 ? null : b);
    }

    private static Cell ratio(Run r, String key) {
        Object varied = r.varying().get(key);
        double v = varied instanceof Map<?, ?> m && m.get(Schema.MEDIAN) instanceof Number n ? n.doubleValue() : r.number(key);
        return Cell.number((varied != null && !Double.isNaN(v) ? "~" : "") + Format.ratio(v), nullIfNaN(v));
    }

    private static String percentiles(Run r, String op) {
        double p50 = r.latencyMedian(op, Schema.P50);
        if (Double.isNaN(p50)) {
            return "—";
        }
        return Math.round(p50) + " / " + Math.round(r.latencyMedian(op, Schema.P99)) + " / "
                + Math.round(r.latencyMedian(op, Schema.P999));
    }

    // ---- throughput --------------------------------------------------------------------------------

    private Section throughput() {
        var list = new ArrayList<Charts.Chart>();
        for (String w : folder.workloads()) {
            List<Run> runs = new ArrayList<>(folder.runsOf(w));
            runs.sort((a, b) -> Double.compare(b.median(Schema.THROUGHPUT), a.median(Schema.THROUGHPUT)));
            var labels = runs.stream().map(folder::label).toList();
            double[] values = runs.stream().mapToDouble(r -> r.median(Schema.THROUGHPUT) / 1e6).toArray();
            double[] lows = runs.stream().mapToDouble(r -> r.interval(Schema.THROUGHPUT) == null ? Double.NaN
                    : r.interval(Schema.THROUGHPUT)[0] / 1e6).toArray();
            double[] highs = runs.stream().mapToDouble(r -> r.interval(Schema.THROUGHPUT) == null ? Double.NaN
                    : r.interval(Schema.THROUGHPUT)[1] / 1e6).toArray();
            var peers = runs.stream().filter(Run::peer).map(folder::label).toList();
            list.add(charts.bars("Throughput on " + w, "million operations per second (higher is better)", labels, values,
                    lows, highs, peers, "0.00"));
        }
        return new Section("throughput", "Throughput", "Operations replayed per second of replay time, one call in "
                + folder.header().getOrDefault(Schema.LATENCY_SAMPLING, "?") + " timed: the median over each cell's"
                + " repetitions, each measured in a JVM of its own, with its 95% confidence interval as a whisker. Peers"
                + " in grey." + (folder.contended() ? " Some cells ran beside others (--jobs): their figures are"
                + " contended." : ""), List.of(), list, List.of());
    }

    // ---- footprint over time -----------------------------------------------------------------------

    private Section footprintOverTime() {
        var list = new ArrayList<Charts.Chart>();
        for (String w : folder.workloads()) {
            var lines = new ArrayList<Charts.Line>();
            boolean liveDrawn = false;
            for (Run r : folder.runsOf(w)) {
                long[] ops = r.timeline(Schema.OPERATION);
                if (ops.length == 0) {
                    continue;
                }
                double[] x = toDouble(ops, 1);
                if (!liveDrawn) {
                    lines.add(new Charts.Line("live (requested bytes)", null, x, toDouble(r.timeline(Schema.LIVE_BYTES), 1 << 20),
                            false, true, true));
                    long ideal = r.count(Schema.IDEAL_FOOTPRINT_BYTES, -1);
                    if (ideal > 0) {
                        double mib = ideal / (double) (1 << 20);
                        lines.add(new Charts.Line("ideal footprint (the floor)", null, new double[] {x[0], x[x.length - 1]},
                                new double[] {mib, mib}, true, true, false));
                    }
                    liveDrawn = true;
                }
                String label = folder.label(r);
                lines.add(new Charts.Line(label + " committed", r.strategy(), x,
                        toDouble(r.timeline(Schema.COMMITTED_BYTES), 1 << 20), false, true, false));
                long[] resident = r.timeline(Schema.RESIDENT_BYTES);
                if (resident.length > 0 && resident[0] >= 0) {
                    lines.add(new Charts.Line(label + " resident", r.strategy(), x, toDouble(resident, 1 << 20), true,
                            false, false));
                }
            }
            list.add(charts.footprint("Footprint over time on " + w, lines));
        }
        return new Section("timeline", "Footprint over time", "Live bytes (black) are what the program asked for and"
                + " has not freed, and the dashed black line is the ideal footprint, their peak with each block rounded to"
                + " its alignment (the floor no allocator can beat); a strategy's committed bytes (solid) are the memory it holds; resident bytes (dashed, same"
                + " colour) are the pages the system actually backs. All on one operation axis.", List.of(), list, List.of());
    }

    private static double[] toDouble(long[] v, double divisor) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i] / divisor;
        }
        return d;
    }

    // ---- latency -----------------------------------------------------------------------------------

    private Section latency() {
        var list = new ArrayList<Charts.Chart>();
        var table = new Table.Builder("latency", "Latency percentiles (ns)", "From the HdrHistogram log of each cell's"
                + " median repetition (the one whose replay time was the median).",
                List.of("strategy", "workload", "operation", "timed calls", "p50", "p90", "p99", "p99.9", "p99.99", "max"));
        for (String w : folder.workloads()) {
            var ops = new LinkedHashSet<String>();
            folder.runsOf(w).forEach(r -> ops.addAll(r.latency().keySet()));
            for (String op : ops) {
                var lines = new ArrayList<Charts.Line>();
                for (Run r : folder.runsOf(w)) {
                    Histogram h = r.latency().get(op);
                    if (h == null || h.getTotalCount() == 0) {
                        continue;
                    }
                    lines.add(distribution(folder.label(r), r.strategy(), h));
                    table.row(List.of(Cell.text(folder.label(r)), Cell.text(w), Cell.text(op),
                            Cell.number(Format.count(h.getTotalCount()), h.getTotalCount()),
                            ns(h, 50), ns(h, 90), ns(h, 99), ns(h, 99.9), ns(h, 99.99),
                            Cell.number(Format.count(h.getMaxValue()), h.getMaxValue())));
                }
                if (!lines.isEmpty()) {
                    list.add(charts.latency(op + " latency on " + w, "nanoseconds per call (log)", lines));
                }
            }
        }
        return new Section("latency", "Latency distributions", "Each curve is a percentile distribution as HdrHistogram"
                + " plots it: the x axis is 1/(1−percentile) on a log scale, so the tail (99%, 99.9%, 99.99%) gets as"
                + " much room as the median. Lower is better.", List.of(table.build()), list, List.of());
    }

    private static Cell ns(Histogram h, double p) {
        long v = h.getValueAtPercentile(p);
        return Cell.number(Format.count(v), v);
    }

    /** The percentile curve of {@code h}: points (1 / (1 - p), value), the last at the greatest finite x. */
    static Charts.Line distribution(String name, String colourOf, Histogram h) {
        var xs = new ArrayList<Double>();
        var ys = new ArrayList<Double>();
        double cap = Math.max(10, h.getTotalCount());
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100;
            double x = p >= 1 ? cap : Math.min(cap, 1 / (1 - p));
            xs.add(x);
            ys.add((double) Math.max(1, v.getValueIteratedTo()));
            if (p >= 1) {
                break;
            }
        }
        return new Charts.Line(name, colourOf, xs.stream().mapToDouble(Double::doubleValue).toArray(),
                ys.stream().mapToDouble(Double::doubleValue).toArray(), false, true, false);
    }

    // ---- heap maps ---------------------------------------------------------------------------------

    private Section heapMaps() {
        var maps = new ArrayList<HeapMap>();
        int wanted = heapMapStrategies.isEmpty() ? 2 : Integer.MAX_VALUE;
        String workload = null;
        for (Run r : folder.runs()) {
            if (r.heapMapFile() == null || maps.size() >= wanted
                    || (!heapMapStrategies.isEmpty() && !heapMapStrategies.contains(r.strategy()))
                    || (workload != null && !workload.equals(r.workload()))) {
                continue;
            }
            workload = r.workload();
            HeapSnapshot heap = r.heapMap();
            var image = new HeapMapImage(heap, 720);
            String title = folder.label(r) + " on " + r.workload() + ", after operation " + Format.count(heap.operation());
            String caption = String.format(Locale.ROOT, "%s live (requested) in %s of live blocks; %s committed, of which %s"
                            + " free; %d areas, %s of address space. One pixel = %s, one row = %s.",
                    Format.bytes(heap.liveBytes()), Format.bytes(image.liveBlockBytes()), Format.bytes(image.committedBytes()),
                    Format.bytes(image.freeCommittedBytes()), heap.areas().length / 2, Format.bytes(heap.areaBytes()),
                    Format.bytes(image.bytesPerPixel()), Format.bytes(image.bytesPerRow()));
            maps.add(new HeapMap("heap-" + maps.size(), title, caption, image));
        }
        if (maps.isEmpty()) {
            return null;
        }
        return new Section("heap", "Heap maps", "The address space a strategy held at the moment named, as pages and"
                + " blocks, in address order, left to right and top to bottom; with a few areas (segments or heaps) each starts"
                + " a new row, with many they run on, two black pixels apart. Blue: live blocks (two shades alternate); orange: free and committed, memory held for nothing;"
                + " pale grey: free and not committed, address space only; dark grey: the strategy's own bytes (headers,"
                + " padding). Lighter pixels mark page starts when pages are wide enough to see.",
                List.of(), List.of(), maps);
    }

    // ---- failures ----------------------------------------------------------------------------------

    private Section failures() {
        var t = new Table.Builder("failures", "Cells that did not finish", "failed: the replay threw (a debugging layer's"
                + " report, a failed verify); crashed: the cell's JVM died (the signal, exit code and the first lines it"
                + " left); timed_out: it ran past cell-timeout and was killed. Every other cell ran regardless.",
                List.of("strategy", "virtual memory", "workload", "threads", "repetition", "status", "reason"));
        for (RunFolder.Failure f : folder.failures()) {
            t.row(List.of(Cell.text(f.strategy()), Cell.text(f.virtualMemory()), Cell.text(f.workload()),
                    Cell.number(String.valueOf(f.threads()), f.threads()),
                    Cell.text(f.repetition() < 0 ? "—" : String.valueOf(f.repetition())),
                    Cell.text(f.status()), Cell.text(f.error())));
        }
        return new Section("failures", "Failed cells", "", List.of(t.build()), List.of(), List.of());
    }
}
