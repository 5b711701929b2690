package org.alloclab.harness.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.alloclab.harness.report.RunFolder.Benchmark;
import org.alloclab.harness.report.Table.Cell;

/**
 * The report's JMH section: a table of every score with its error, each divided by the reference's score on
 * the same benchmark and parameters (the reference peer, {@code glibc} when it ran; for a benchmark of
 * layers, the bare strategy), and a chart per benchmark.
 */
final class Benchmarks {

    /** The peer each benchmark's scores are divided by: the first of these it measured. */
    static final List<String> REFERENCES = List.of("glibc", "segment-bump", "jemalloc");

    private Benchmarks() {
    }

    /** The parameter that names a layer: its scores are divided by the bare strategy's ({@code none}). */
    static final String LAYER = "layer";

    static Report.Section section(List<Benchmark> results, Charts charts) {
        var names = new LinkedHashSet<String>();               // every parameter but the strategy, in order seen
        results.forEach(b -> b.params().keySet().stream().filter(k -> !k.equals("strategy")).forEach(names::add));
        var columns = new ArrayList<String>();
        columns.add("benchmark");
        columns.addAll(names);
        columns.addAll(List.of("strategy", "mode", "score", "± error", "unit", "reference", "÷ reference"));
        var t = new Table.Builder("jmh", "JMH scores", "Score ± error is JMH's mean with its 99.9% confidence half-width;"
                + " the last column divides each score by the reference's on the same benchmark and parameters: the"
                + " reference peer (glibc where it ran, the hand-written segment-bump for bump allocation), or, for a"
                + " benchmark of layers, the same strategy bare (layer none). Below 1 is faster.", columns);
        var byBenchmark = new LinkedHashMap<String, List<Benchmark>>();
        results.forEach(b -> byBenchmark.computeIfAbsent(b.benchmark(), k -> new ArrayList<>()).add(b));
        var list = new ArrayList<Charts.Chart>();
        for (var e : byBenchmark.entrySet()) {
            boolean layered = e.getValue().stream().anyMatch(b -> !b.param(LAYER).isEmpty());
            var strategies = new LinkedHashSet<String>();
            e.getValue().forEach(b -> strategies.add(b.param("strategy")));
            String peer = REFERENCES.stream().filter(strategies::contains).findFirst().orElse(null);
            Map<String, Double> referenceScore = new LinkedHashMap<>();
            for (Benchmark b : e.getValue()) {
                if (layered ? b.param(LAYER).equals("none") : b.param("strategy").equals(peer)) {
                    referenceScore.put(referenceKey(b, layered), b.score());
                }
            }
            for (Benchmark b : e.getValue()) {
                double q = b.score() / referenceScore.getOrDefault(referenceKey(b, layered), Double.NaN);
                var row = new ArrayList<Cell>();
                row.add(Cell.text(b.benchmark()));
                names.forEach(n -> row.add(Cell.text(b.param(n))));
                row.addAll(List.of(Cell.text(b.param("strategy")),
                        Cell.text(b.mode()), Cell.number(Format.score(b.score()), b.score()),
                        Cell.number(Format.score(b.error()), Double.isNaN(b.error()) ? null : b.error()), Cell.text(b.unit()),
                        Cell.text(layered ? "bare " + b.param("strategy") : peer == null ? "—" : peer),
                        Cell.number(Double.isNaN(q) ? "—" : String.format(Locale.ROOT, "%.2f×", q),
                                Double.isNaN(q) ? null : Format.round(q, 4)).unranked()));
                t.row(row);
            }
            var series = e.getValue().stream().map(b -> b.param("strategy")).distinct().toList();
            var categories = e.getValue().stream().map(Benchmarks::category).distinct().toList();
            double[][] mean = new double[series.size()][categories.size()];
            double[][] error = new double[series.size()][categories.size()];
            for (double[] row : mean) {
                java.util.Arrays.fill(row, Double.NaN);
            }
            String unit = "";
            for (Benchmark b : e.getValue()) {
                mean[series.indexOf(b.param("strategy"))][categories.indexOf(category(b))] = b.score();
                error[series.indexOf(b.param("strategy"))][categories.indexOf(category(b))] = b.error();
                unit = b.unit();
            }
            var labels = categories.stream().map(c -> c.isEmpty() ? e.getKey() : c).toList();
            list.add(charts.errorBars(e.getKey(), unit, series, labels, mean, error));
        }
        return new Report.Section("jmh", "Micro-benchmarks (JMH)", "Every strategy and peer measured in the same JMH run;"
                + " error bars are the 99.9% confidence interval JMH reports.", List.of(t.build()), list, List.of());
    }

    /** What a score is divided by: the same parameters (and, for layers, the same strategy) at the reference. */
    private static String referenceKey(Benchmark b, boolean layered) {
        var key = new LinkedHashMap<>(b.params());
        if (layered) {
            key.remove(LAYER);
        } else {
            key.remove("strategy");
        }
        return key.toString();
    }

    /** A group of bars: the parameters other than the strategy, a size written in bytes. */
    private static String category(Benchmark b) {
        var parts = new ArrayList<String>();
        b.params().forEach((k, v) -> {
            if (!k.equals("strategy")) {
                parts.add(k.equals("size") ? v + " B" : v);
            }
        });
        return String.join(", ", parts);
    }
}
