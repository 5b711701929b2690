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
 * The report's JMH section: a table of every score with its error, each divided by the reference peer's
 * score on the same benchmark and parameters ({@code glibc} when it ran), and a chart per benchmark.
 */
final class Benchmarks {

    /** The peer each benchmark's scores are divided by: the first of these it measured. */
    static final List<String> REFERENCES = List.of("glibc", "segment-bump", "jemalloc");

    private Benchmarks() {
    }

    static Report.Section section(List<Benchmark> results, Charts charts) {
        var t = new Table.Builder("jmh", "JMH scores", "Score ± error is JMH's mean with its 99.9% confidence half-width;"
                + " the last column divides each score by the reference peer's on the same benchmark and size (glibc"
                + " where it ran, the hand-written segment-bump for bump allocation): below 1 is faster.",
                List.of("benchmark", "size", "strategy", "mode", "score", "± error", "unit", "reference", "÷ reference"));
        var byBenchmark = new LinkedHashMap<String, List<Benchmark>>();
        results.forEach(b -> byBenchmark.computeIfAbsent(b.benchmark(), k -> new ArrayList<>()).add(b));
        var list = new ArrayList<Charts.Chart>();
        for (var e : byBenchmark.entrySet()) {
            var strategies = new LinkedHashSet<String>();
            e.getValue().forEach(b -> strategies.add(b.param("strategy")));
            String reference = REFERENCES.stream().filter(strategies::contains).findFirst().orElse(null);
            Map<String, Double> referenceScore = new LinkedHashMap<>();
            for (Benchmark b : e.getValue()) {
                if (b.param("strategy").equals(reference)) {
                    referenceScore.put(b.param("size"), b.score());
                }
            }
            for (Benchmark b : e.getValue()) {
                double q = b.score() / referenceScore.getOrDefault(b.param("size"), Double.NaN);
                t.row(List.of(Cell.text(b.benchmark()), Cell.text(b.param("size")), Cell.text(b.param("strategy")),
                        Cell.text(b.mode()), Cell.number(Format.score(b.score()), b.score()),
                        Cell.number(Format.score(b.error()), Double.isNaN(b.error()) ? null : b.error()), Cell.text(b.unit()),
                        Cell.text(reference == null ? "—" : reference),
                        Cell.number(Double.isNaN(q) ? "—" : String.format(Locale.ROOT, "%.2f×", q),
                                Double.isNaN(q) ? null : Format.round(q, 4)).unranked()));
            }
            var series = e.getValue().stream().map(b -> b.param("strategy")).distinct().toList();
            var sizes = e.getValue().stream().map(b -> b.param("size")).distinct().toList();
            double[][] mean = new double[series.size()][sizes.size()];
            double[][] error = new double[series.size()][sizes.size()];
            for (double[] row : mean) {
                java.util.Arrays.fill(row, Double.NaN);
            }
            String unit = "";
            for (Benchmark b : e.getValue()) {
                mean[series.indexOf(b.param("strategy"))][sizes.indexOf(b.param("size"))] = b.score();
                error[series.indexOf(b.param("strategy"))][sizes.indexOf(b.param("size"))] = b.error();
                unit = b.unit();
            }
            var categories = sizes.stream().map(s -> s.isEmpty() ? e.getKey() : s + " B").toList();
            list.add(charts.errorBars(e.getKey(), unit, series, categories, mean, error));
        }
        return new Report.Section("jmh", "Micro-benchmarks (JMH)", "Every strategy and peer measured in the same JMH run;"
                + " error bars are the 99.9% confidence interval JMH reports.", List.of(t.build()), list, List.of());
    }
}
