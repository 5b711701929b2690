package org.alloclab.harness.cells;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.alloclab.harness.run.Schema;

/**
 * {@code results.json} made from an experiment's folder: the plan's header, then every cell's result file
 * in the plan's order (one entry per repetition, with its {@code repetition}), then a summary per strategy ×
 * virtual memory × workload × threads. A pure function of the folder, so it can be made again at any time —
 * after each cell, by {@code alloclab collect} while a Slurm array runs, by {@code alloclab report} after an
 * interruption — and always says what is there.
 *
 * <h2>The summary</h2>
 * For each group of repetitions: the cells and how many finished; the median, 95% interval, least and most
 * ({@link Statistics}) of {@code elapsed_ms}, {@code throughput_ops_per_s} and each latency percentile of
 * each operation; the footprint figures (the ideal footprint and the ratio to it included), which alloclab's
 * strategies repeat exactly — a figure that differs between repetitions (a peer with time-based decay, a
 * threaded run's sampled peak) is listed under
 * {@code varying} with its least, median and most, and the median is given; the hosts the repetitions ran on;
 * and whether any was measured beside other cells ({@code contended}).
 */
public final class Merge {

    /** How an experiment's cells stand. */
    public record Status(int planned, int ok, int failed, int crashed, int timedOut, List<Cell> missing) {

        /** Cells with a result file, finished or not. */
        public int recorded() {
            return ok + failed + crashed + timedOut;
        }

        /** Whether every cell finished. */
        public boolean complete() {
            return ok == planned;
        }

        /** {@code 76 finished, 2 failed, 1 crashed, 1 timed out, 1 missing of 81}. */
        public String describe() {
            var parts = new ArrayList<String>();
            parts.add(ok + " finished");
            if (failed > 0) {
                parts.add(failed + " failed");
            }
            if (crashed > 0) {
                parts.add(crashed + " crashed");
            }
            if (timedOut > 0) {
                parts.add(timedOut + " timed out");
            }
            if (!missing.isEmpty()) {
                parts.add(missing.size() + " without a result");
            }
            return String.join(", ", parts) + " of " + planned + " cells";
        }
    }

    private Merge() {
    }

    /** The result of {@code cell} in {@code folder}, or null when it has none (or an unreadable one). */
    public static Map<String, Object> result(Path folder, Cell cell) {
        Path file = CellRunner.resultFile(folder, cell);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonFiles.read(file);
        } catch (IllegalArgumentException e) {
            return null;                                   // a half-written file is impossible; a damaged one is missing
        }
    }

    /** How the cells of {@code plan} in {@code folder} stand. */
    public static Status status(Path folder, Plan plan) {
        var results = new LinkedHashMap<Cell, Map<String, Object>>();
        for (Cell c : plan.cells()) {
            results.put(c, result(folder, c));
        }
        return status(results);
    }

    private static Status status(Map<Cell, Map<String, Object>> results) {
        int ok = 0;
        int failed = 0;
        int crashed = 0;
        int timedOut = 0;
        var missing = new ArrayList<Cell>();
        for (var e : results.entrySet()) {
            String status = e.getValue() == null ? null : String.valueOf(e.getValue().get(Schema.STATUS));
            if (status == null) {
                missing.add(e.getKey());
            } else if (status.equals(Schema.OK)) {
                ok++;
            } else if (status.equals(Schema.TIMED_OUT)) {
                timedOut++;
            } else if (status.equals(Schema.CRASHED)) {
                crashed++;
            } else {
                failed++;
            }
        }
        return new Status(results.size(), ok, failed, crashed, timedOut, missing);
    }

    /** Writes {@code results.json} of the experiment in {@code folder} and returns how its cells stand. */
    public static Status write(Path folder) {
        Plan plan = Plan.read(folder);
        var byCell = new LinkedHashMap<Cell, Map<String, Object>>();
        var results = new ArrayList<Map<String, Object>>();
        var groups = new LinkedHashMap<String, List<Map<String, Object>>>();
        var groupCells = new LinkedHashMap<String, List<Cell>>();
        for (Cell c : plan.cells()) {
            groupCells.computeIfAbsent(c.group(), k -> new ArrayList<>()).add(c);
            Map<String, Object> r = result(folder, c);
            byCell.put(c, r);
            if (r != null) {
                results.add(r);
                if (Schema.OK.equals(r.get(Schema.STATUS))) {
                    groups.computeIfAbsent(c.group(), k -> new ArrayList<>()).add(r);
                }
            }
        }
        var summary = new ArrayList<Map<String, Object>>();
        groupCells.forEach((group, cells) -> summary.add(summarise(cells, groups.getOrDefault(group, List.of()))));
        Status status = status(byCell);
        var doc = new LinkedHashMap<String, Object>(plan.header());
        var counts = new LinkedHashMap<String, Object>();
        counts.put("planned", status.planned());
        counts.put(Schema.OK, status.ok());
        counts.put(Schema.FAILED, status.failed());
        counts.put(Schema.CRASHED, status.crashed());
        counts.put(Schema.TIMED_OUT, status.timedOut());
        counts.put("missing", status.missing().size());
        doc.put(Schema.CELL_COUNTS, counts);
        doc.put(Schema.RESULTS, results);
        doc.put(Schema.SUMMARY, summary);
        JsonFiles.write(folder.resolve("results.json"), doc);
        return status;
    }

    /** The summary entry of one group's cells, from those of them that finished. */
    static Map<String, Object> summarise(List<Cell> cells, List<Map<String, Object>> finished) {
        Cell first = cells.getFirst();
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.STRATEGY, first.strategy());
        m.put(Schema.VIRTUAL_MEMORY, first.virtualMemory());
        m.put(Schema.WORKLOAD, first.workload());
        m.put(Schema.THREADS, first.threads());
        m.put(Schema.CELLS, cells.stream().map(Cell::id).toList());
        m.put(Schema.REPETITIONS, cells.size());
        m.put(Schema.FINISHED, finished.size());
        if (finished.isEmpty()) {
            return m;
        }
        Map<String, Object> any = finished.getFirst();
        m.put(Schema.DECORATORS, any.get(Schema.DECORATORS));
        m.put(Schema.EXTERNAL_MEMORY, any.get(Schema.EXTERNAL_MEMORY));
        m.put(Schema.ELAPSED_MS, Statistics.describe(numbers(finished, Schema.ELAPSED_MS), 3));
        m.put(Schema.THROUGHPUT, Statistics.describe(numbers(finished, Schema.THROUGHPUT), 0));
        var latency = new LinkedHashMap<String, Object>();
        for (String op : operations(finished)) {
            var percentiles = new LinkedHashMap<String, Object>();
            for (String p : Schema.PERCENTILE_KEYS) {
                double[] values = finished.stream().map(r -> latency(r, op, p)).filter(Objects::nonNull)
                        .mapToDouble(Double::doubleValue).toArray();
                if (values.length > 0) {
                    percentiles.put(p, Statistics.describe(values, 0));
                }
            }
            latency.put(op, percentiles);
        }
        m.put(Schema.LATENCY_NS, latency);
        var varying = new LinkedHashMap<String, Object>();
        var footprint = new ArrayList<String>(List.of(Schema.EVENTS, Schema.FAILURES, Schema.REFUSED_BY_HARNESS,
                Schema.TOUCH_LIMITED, Schema.MAX_REQUEST_BYTES));
        footprint.addAll(Schema.FOOTPRINT_KEYS);
        footprint.add(Schema.FOOTPRINT_RATIO);
        footprint.add(Schema.IDEAL_RATIO);
        footprint.add(Schema.RESIDENT_RATIO);
        for (String key : footprint) {
            double[] values = numbers(finished, key);
            if (values.length == 0) {
                continue;
            }
            double median = Statistics.median(values);
            boolean whole = !key.endsWith("_ratio");
            m.put(key, whole ? (Object) Math.round(median) : (Object) (Math.round(median * 1000) / 1000.0));
            double min = java.util.Arrays.stream(values).min().orElse(median);
            double max = java.util.Arrays.stream(values).max().orElse(median);
            if (min != max) {
                var spread = new LinkedHashMap<String, Object>();
                spread.put(Schema.MIN, whole ? (Object) Math.round(min) : (Object) min);
                spread.put(Schema.MEDIAN, m.get(key));
                spread.put(Schema.MAX, whole ? (Object) Math.round(max) : (Object) max);
                varying.put(key, spread);
            }
        }
        if (!varying.isEmpty()) {
            m.put(Schema.VARYING, varying);
        }
        var hosts = new LinkedHashSet<String>();
        finished.forEach(r -> hosts.add(String.valueOf(r.get(Schema.HOST))));
        m.put(Schema.HOSTS, List.copyOf(hosts));
        m.put(Schema.CONTENDED, finished.stream().anyMatch(r -> r.get(Schema.MEASURED_WITH_JOBS) instanceof Number n
                && n.intValue() > 1));
        return m;
    }

    private static double[] numbers(List<Map<String, Object>> entries, String key) {
        return entries.stream().map(r -> r.get(key)).filter(v -> v instanceof Number)
                .mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    }

    private static List<String> operations(List<Map<String, Object>> entries) {
        var ops = new LinkedHashSet<String>();
        for (Map<String, Object> r : entries) {
            if (r.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat) {
                lat.keySet().forEach(k -> ops.add(String.valueOf(k)));
            }
        }
        return List.copyOf(ops);
    }

    private static Double latency(Map<String, Object> r, String op, String percentile) {
        if (r.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat && lat.get(op) instanceof Map<?, ?> p
                && p.get(percentile) instanceof Number n) {
            return n.doubleValue();
        }
        return null;
    }
}
