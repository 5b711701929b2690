package org.alloclab.harness.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.alloclab.harness.run.HeapSnapshot;
import org.alloclab.harness.run.Schema;

/**
 * What a results folder holds, read back for a report: {@code results.json} of a run or replay (its
 * header and its runs), the runs' latency histograms ({@code .hlog}) and heap maps ({@code .heap.json.gz}),
 * and JMH's {@code jmh.json} of a benchmark, with {@code bench.json} (its command and machine). A folder may hold either or both. Everything here comes
 * from files, so a report can be made again at any time from a folder alone.
 */
public final class RunFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;
    private final Map<String, Object> header;
    private final List<Run> runs;
    private final List<Failure> failures;
    private final List<Benchmark> benchmarks;

    /**
     * One finished run — with repetitions, the repetition whose replay time was the median of its cell's
     * (the one whose charts are drawn) — its entry of results.json, what its files hold, and the summary of
     * all its repetitions (null for results written before repetitions, or when none is there).
     *
     * @param repetitions every finished repetition's entry, this one's included
     */
    public record Run(Map<String, Object> entry, Map<String, Histogram> latency, Path heapMapFile,
                      Map<String, Object> summary, List<Map<String, Object>> repetitions) {

        /** One run with no repetitions besides itself. */
        public Run(Map<String, Object> entry, Map<String, Histogram> latency, Path heapMapFile) {
            this(entry, latency, heapMapFile, null, List.of(entry));
        }

        /**
         * A figure of the summary ({@code elapsed_ms}, {@code throughput_ops_per_s}): its median, or this
         * run's own figure when there is no summary.
         */
        public double median(String key) {
            if (summary != null && summary.get(key) instanceof Map<?, ?> m && m.get(Schema.MEDIAN) instanceof Number n) {
                return n.doubleValue();
            }
            return number(key);
        }

        /** The 95% confidence interval of a figure of the summary, {low, high}, or null when there is none. */
        public double[] interval(String key) {
            if (summary != null && summary.get(key) instanceof Map<?, ?> m && m.get(Schema.CI95_LOW) instanceof Number lo
                    && m.get(Schema.CI95_HIGH) instanceof Number hi) {
                return new double[] {lo.doubleValue(), hi.doubleValue()};
            }
            return null;
        }

        /** The median of a latency percentile over the repetitions, or this run's own. */
        public double latencyMedian(String op, String percentile) {
            if (summary != null && summary.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat && lat.get(op) instanceof Map<?, ?> o
                    && o.get(percentile) instanceof Map<?, ?> p && p.get(Schema.MEDIAN) instanceof Number n) {
                return n.doubleValue();
            }
            if (entry.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat && lat.get(op) instanceof Map<?, ?> p
                    && p.get(percentile) instanceof Number n) {
                return n.doubleValue();
            }
            return Double.NaN;
        }

        /** Footprint figures that differed between the repetitions, by key (empty when none did). */
        public Map<?, ?> varying() {
            return summary != null && summary.get(Schema.VARYING) instanceof Map<?, ?> m ? m : Map.of();
        }

        /** Whether any repetition was measured beside other cells (--jobs above 1). */
        public boolean contended() {
            return repetitions.stream().anyMatch(r -> r.get(Schema.MEASURED_WITH_JOBS) instanceof Number n && n.intValue() > 1);
        }

        /** A string field of the entry. */
        public String text(String key) {
            Object v = entry.get(key);
            return v == null ? "" : v.toString();
        }

        /** A number field of the entry, or NaN when absent or null. */
        public double number(String key) {
            return entry.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        /** A whole-number field of the entry, or {@code otherwise}. */
        public long count(String key, long otherwise) {
            return entry.get(key) instanceof Number n ? n.longValue() : otherwise;
        }

        /** The strategy's label. */
        public String strategy() {
            return text(Schema.STRATEGY);
        }

        /** The workload's name. */
        public String workload() {
            return text(Schema.WORKLOAD);
        }

        /** The virtual memory's label. */
        public String virtualMemory() {
            return text(Schema.VIRTUAL_MEMORY);
        }

        /** Threads that replayed the workload. */
        public int threads() {
            return (int) count(Schema.THREADS, 1);
        }

        /** Whether the strategy's memory is its own, not the run's virtual memory (the peers). */
        public boolean peer() {
            return Boolean.TRUE.equals(entry.get(Schema.EXTERNAL_MEMORY)) || entry.get(Schema.VM_STATS) == null;
        }

        /** The label a report gives this run among others of its workload. */
        public String label(boolean withVm, boolean withThreads) {
            return strategy() + (withVm ? " @" + virtualMemory() : "") + (withThreads && threads() > 1 ? " ×" + threads() : "");
        }

        /** The key that matches this run in another folder: strategy, virtual memory, workload, threads. */
        public String key() {
            return strategy() + " | " + virtualMemory() + " | " + workload() + " | " + threads();
        }

        /** A column of the timeline. */
        public long[] timeline(String column) {
            if (!(entry.get(Schema.TIMELINE) instanceof Map<?, ?> t) || !(t.get(column) instanceof List<?> values)) {
                return new long[0];
            }
            return values.stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        }

        /** The heap map, read from its file, or null when the run has none. */
        public HeapSnapshot heapMap() {
            if (heapMapFile == null) {
                return null;
            }
            try (InputStream in = heapMapFile.toString().endsWith(".gz")
                    ? new java.util.zip.GZIPInputStream(Files.newInputStream(heapMapFile)) : Files.newInputStream(heapMapFile)) {
                return HeapSnapshot.fromMap(JSON.readValue(in, new TypeReference<Map<String, Object>>() { }));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the heap map " + heapMapFile + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A cell that did not finish, with how it ended ({@code failed}, {@code crashed}, {@code timed_out}) and why.
     *
     * @param repetition the repetition, or -1 for results written before repetitions
     */
    public record Failure(String strategy, String virtualMemory, String workload, int threads, int repetition,
                          String status, String error) {
    }

    /**
     * One JMH result.
     *
     * @param benchmark the method's simple name
     * @param params    its parameters
     * @param mode      JMH's mode, e.g. avgt
     * @param score     the primary metric
     * @param error     its 99.9% confidence half-width (NaN with one iteration)
     * @param unit      the score's unit
     * @param samples   measurements behind it
     */
    public record Benchmark(String benchmark, Map<String, String> params, String mode, double score, double error,
                            String unit, long samples) {

        /** Parameter {@code name}, or "". */
        public String param(String name) {
            return params.getOrDefault(name, "");
        }
    }

    private RunFolder(Path folder, Map<String, Object> header, List<Run> runs, List<Failure> failures,
                      List<Benchmark> benchmarks) {
        this.folder = folder;
        this.header = header;
        this.runs = runs;
        this.failures = failures;
        this.benchmarks = benchmarks;
    }

    /**
     * Reads {@code folder}.
     *
     * @throws IllegalArgumentException naming the folder and the file when it holds neither results.json
     *                                  nor jmh.json, or one of its files cannot be read
     */
    @SuppressWarnings("unchecked")
    public static RunFolder read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("no such results folder: " + folder);
        }
        Path results = folder.resolve("results.json");
        Path jmh = folder.resolve("jmh.json");
        if (!Files.exists(results) && !Files.exists(jmh)) {
            throw new IllegalArgumentException(folder + " holds neither results.json (of 'alloclab run' or 'replay') nor"
                    + " jmh.json (of 'alloclab bench')");
        }
        Map<String, Object> header = new LinkedHashMap<>();
        var runs = new ArrayList<Run>();
        var failures = new ArrayList<Failure>();
        if (Files.exists(results)) {
            Map<String, Object> doc;
            try {
                doc = JSON.readValue(results.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + results + ": " + e.getMessage(), e);
            }
            header.putAll(doc);
            header.remove(Schema.RESULTS);
            header.remove(Schema.SUMMARY);
            if (!(doc.get(Schema.RESULTS) instanceof List<?> list)) {
                throw new IllegalArgumentException(results + " has no 'results' list: not a results file of alloclab");
            }
            var summaries = new LinkedHashMap<String, Map<String, Object>>();
            if (doc.get(Schema.SUMMARY) instanceof List<?> summary) {
                for (Object o : summary) {
                    var m = (Map<String, Object>) o;
                    summaries.put(key(m), m);
                }
            }
            var groups = new LinkedHashMap<String, List<Map<String, Object>>>();
            for (Object o : list) {
                var entry = (Map<String, Object>) o;
                if (entry.containsKey(Schema.ERROR)) {
                    failures.add(new Failure(String.valueOf(entry.get(Schema.STRATEGY)),
                            String.valueOf(entry.get(Schema.VIRTUAL_MEMORY)), String.valueOf(entry.get(Schema.WORKLOAD)),
                            entry.get(Schema.THREADS) instanceof Number t ? t.intValue() : 1,
                            entry.get(Schema.REPETITION) instanceof Number r ? r.intValue() : -1,
                            entry.get(Schema.STATUS) == null ? Schema.FAILED : String.valueOf(entry.get(Schema.STATUS)),
                            String.valueOf(entry.get(Schema.ERROR))));
                    continue;
                }
                groups.computeIfAbsent(entry.containsKey(Schema.REPETITION) ? key(entry) : "#" + groups.size(),
                        k -> new ArrayList<>()).add(entry);
            }
            for (var g : groups.entrySet()) {
                List<Map<String, Object>> reps = g.getValue();
                Map<String, Object> entry = medianRepetition(reps);
                Map<String, Histogram> latency = new LinkedHashMap<>();
                if (entry.get(Schema.LATENCY_FILES) instanceof Map<?, ?> files && files.get(Schema.HLOG) instanceof String hlog) {
                    latency = readLog(folder.resolve(hlog));
                }
                Path heap = null;
                for (Map<String, Object> r : reps) {            // the first repetition keeps the cell's heap map
                    if (heap == null && r.get(Schema.HEAP_MAP_FILE) instanceof String h && Files.exists(folder.resolve(h))) {
                        heap = folder.resolve(h);
                    }
                }
                runs.add(new Run(entry, latency, heap, summaries.get(g.getKey()), List.copyOf(reps)));
            }
        }
        Path bench = folder.resolve("bench.json");
        if (header.isEmpty() && Files.exists(bench)) {
            try {
                header.putAll(JSON.readValue(bench.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { }));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + bench + ": " + e.getMessage(), e);
            }
        }
        var benchmarks = Files.exists(jmh) ? readJmh(jmh) : List.<Benchmark>of();
        return new RunFolder(folder, header, List.copyOf(runs), List.copyOf(failures), benchmarks);
    }

    /** The key that groups the repetitions of one cell: strategy, virtual memory, workload, threads. */
    private static String key(Map<String, Object> entry) {
        return entry.get(Schema.STRATEGY) + " | " + entry.get(Schema.VIRTUAL_MEMORY) + " | " + entry.get(Schema.WORKLOAD)
                + " | " + (entry.get(Schema.THREADS) instanceof Number t ? t.intValue() : 1);
    }

    /** The repetition whose replay time is the median (the lower of the middle two for an even count). */
    private static Map<String, Object> medianRepetition(List<Map<String, Object>> reps) {
        var sorted = new ArrayList<>(reps);
        sorted.sort(java.util.Comparator.comparingDouble(r -> r.get(Schema.ELAPSED_MS) instanceof Number n
                ? n.doubleValue() : Double.MAX_VALUE));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** The histograms of an interval log, by tag (operation kind). */
    static Map<String, Histogram> readLog(Path hlog) {
        var byTag = new LinkedHashMap<String, Histogram>();
        try (InputStream in = Files.newInputStream(hlog)) {
            var reader = new HistogramLogReader(in);
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                if (h instanceof Histogram histogram) {
                    String tag = histogram.getTag() == null ? "all" : histogram.getTag();
                    byTag.merge(tag, histogram, (a, b) -> {
                        a.add(b);
                        return a;
                    });
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the latency log " + hlog + ": " + e.getMessage(), e);
        }
        return byTag;
    }

    @SuppressWarnings("unchecked")
    private static List<Benchmark> readJmh(Path jmh) {
        List<Map<String, Object>> doc;
        try {
            doc = JSON.readValue(jmh.toFile(), new TypeReference<List<Map<String, Object>>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + jmh + " (JMH's JSON): " + e.getMessage(), e);
        }
        var list = new ArrayList<Benchmark>();
        for (Map<String, Object> b : doc) {
            String name = String.valueOf(b.get("benchmark"));
            name = name.substring(name.lastIndexOf('.') + 1);
            var params = new LinkedHashMap<String, String>();
            if (b.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            var metric = (Map<String, Object>) b.get("primaryMetric");
            double error = metric.get("scoreError") instanceof Number n ? n.doubleValue() : Double.NaN;
            long samples = 0;
            if (metric.get("rawData") instanceof List<?> forks) {
                for (Object f : forks) {
                    samples += ((List<?>) f).size();
                }
            }
            list.add(new Benchmark(name, params, String.valueOf(b.get("mode")),
                    ((Number) metric.get("score")).doubleValue(), error, String.valueOf(metric.get("scoreUnit")), samples));
        }
        return List.copyOf(list);
    }

    /** The folder. */
    public Path folder() {
        return folder;
    }

    /** results.json without its runs (command, seed, environment, configuration), empty for a benchmark alone. */
    public Map<String, Object> header() {
        return header;
    }

    /** The finished runs, one per cell (its median repetition), in the order of the results. */
    public List<Run> runs() {
        return runs;
    }

    /** The cells that did not finish. */
    public List<Failure> failures() {
        return failures;
    }

    /** JMH's results, when the folder has them. */
    public List<Benchmark> benchmarks() {
        return benchmarks;
    }

    /** The workloads, in the order they ran. */
    public List<String> workloads() {
        return runs.stream().map(Run::workload).distinct().toList();
    }

    /** The runs of one workload. */
    public List<Run> runsOf(String workload) {
        return runs.stream().filter(r -> r.workload().equals(workload)).toList();
    }

    /** Whether the runs differ in virtual memory, so a label must say which. */
    public boolean severalVirtualMemories() {
        return runs.stream().map(Run::virtualMemory).distinct().count() > 1;
    }

    /** Whether the runs differ in threads. */
    public boolean severalThreadCounts() {
        return runs.stream().map(Run::threads).distinct().count() > 1;
    }

    /** Whether any run was measured beside other cells (--jobs above 1), so its timings are contended. */
    public boolean contended() {
        return runs.stream().anyMatch(Run::contended);
    }

    /** The hosts the runs were measured on, in the order they appear. */
    public List<String> hosts() {
        var hosts = new java.util.LinkedHashSet<String>();
        for (Run r : runs) {
            for (Map<String, Object> rep : r.repetitions()) {
                if (rep.get(Schema.HOST) != null) {
                    hosts.add(String.valueOf(rep.get(Schema.HOST)));
                }
            }
        }
        return List.copyOf(hosts);
    }

    /** A run's label in this folder's report. */
    public String label(Run r) {
        return r.label(severalVirtualMemories(), severalThreadCounts());
    }
}
