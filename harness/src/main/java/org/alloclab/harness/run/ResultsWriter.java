package org.alloclab.harness.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

/**
 * Writes {@code results.json} into a run's folder, again after every finished run (to a temporary file
 * moved into place), so an interrupted experiment keeps everything it had finished.
 */
public final class ResultsWriter {

    private final Path folder;
    private final Map<String, Object> header;
    private final List<Map<String, Object>> results = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param folder the run's folder, created if needed
     * @param header what comes before the results: command, configuration, seed, environment
     */
    public ResultsWriter(Path folder, Map<String, Object> header) {
        this.folder = folder;
        this.header = header;
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create the output folder " + folder + ": " + e, e);
        }
    }

    /** The results file. */
    public Path file() {
        return folder.resolve("results.json");
    }

    /**
     * Adds a finished run and rewrites the file; writes the run's latency histograms beside it, as an
     * HdrHistogram interval log ({@code .hlog}, one tagged histogram per operation kind) and as percentile
     * distributions ({@code .hgrm}, in nanoseconds), both named in the run's entry.
     */
    public void add(RunResult r) {
        var entry = toMap(r);
        String stem = String.format(java.util.Locale.ROOT, "%02d-%s", results.size() + 1,
                (r.strategy() + "-" + r.virtualMemory() + "-" + r.workload() + (r.threads() == 1 ? "" : "-" + r.threads() + "t"))
                        .replaceAll("[^A-Za-z0-9._-]+", "_"));
        entry.put("latency_files", writeHistograms(stem, r));
        if (r.heap() != null) {
            Path heap = folder.resolve(stem + ".heap.json.gz");
            try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(heap))) {
                new ObjectMapper().writeValue(out, r.heap().toMap());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + heap, e);
            }
            entry.put("heap_map_file", heap.getFileName().toString());
        }
        results.add(entry);
        write();
    }

    private Map<String, String> writeHistograms(String stem, RunResult r) {
        var files = new LinkedHashMap<String, String>();
        Path hlog = folder.resolve(stem + ".hlog");
        try (var out = new java.io.PrintStream(Files.newOutputStream(hlog), false, java.nio.charset.StandardCharsets.UTF_8)) {
            var log = new org.HdrHistogram.HistogramLogWriter(out);
            log.outputComment("alloclab latency of " + r.strategy() + " on " + r.virtualMemory() + ", " + r.workload()
                    + ": nanoseconds per operation, one call in " + r.latencySampling() + " timed; tag = operation");
            log.outputLogFormatVersion();
            log.outputLegend();
            r.latency().forEach((op, h) -> {
                Histogram copy = h.copy();
                copy.setTag(op);
                copy.setStartTimeStamp(0);
                copy.setEndTimeStamp(Math.max(1, r.elapsedNanos() / 1_000_000));
                log.outputIntervalHistogram(copy);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hlog, e);
        }
        files.put("hlog", hlog.getFileName().toString());
        Path hgrm = folder.resolve(stem + ".hgrm");
        try (var out = new java.io.PrintStream(Files.newOutputStream(hgrm), false, java.nio.charset.StandardCharsets.UTF_8)) {
            r.latency().forEach((op, h) -> {
                out.println("# " + op + " (nanoseconds per operation)");
                h.outputPercentileDistribution(out, 5, 1.0);
                out.println();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hgrm, e);
        }
        files.put("percentiles", hgrm.getFileName().toString());
        return files;
    }

    /** Adds a run that failed with {@code error} and rewrites the file. */
    public void addFailure(String strategy, String virtualMemory, String workload, Throwable error) {
        addFailure(strategy, virtualMemory, workload, 1, error);
    }

    /** Adds a run on {@code threads} threads that failed with {@code error} and rewrites the file. */
    public void addFailure(String strategy, String virtualMemory, String workload, int threads, Throwable error) {
        var m = new LinkedHashMap<String, Object>();
        m.put("strategy", strategy);
        m.put("virtual_memory", virtualMemory);
        m.put("workload", workload);
        m.put("threads", threads);
        m.put("error", String.valueOf(error));
        results.add(m);
        write();
    }

    /** Rewrites the file with what has been added so far. */
    public void write() {
        var doc = new LinkedHashMap<String, Object>(header);
        doc.put("results", results);
        try {
            Path tmp = folder.resolve("results.json.tmp");
            json.writeValue(tmp.toFile(), doc);
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(), e);
        }
    }

    static Map<String, Object> toMap(RunResult r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("strategy", r.strategy());
        m.put("strategy_name", r.strategyName());
        m.put("parameters", r.parameters());
        m.put("virtual_memory", r.virtualMemory());
        m.put("workload", r.workload());
        m.put("threads", r.threads());
        m.put("decorators", r.decorators());
        m.put("external_memory", r.vmStats() == null);
        m.put("events", r.events());
        m.put("failures", r.failures());
        m.put("skipped", r.skipped());
        m.put("deferred_frees", r.deferredFrees());
        m.put("peak_live_bytes", r.peakLiveBytes());
        m.put("peak_committed_bytes", r.peakCommittedBytes());
        m.put("footprint_ratio", number(r.footprintRatio()));
        m.put("committed_end_bytes", r.committedEndBytes());
        m.put("committed_after_free_all_bytes", r.committedAfterFreeAllBytes());
        if (r.peakResidentBytes() >= 0) {
            m.put("peak_resident_bytes", r.peakResidentBytes());
            m.put("resident_ratio", number(r.residentRatio()));
        }
        if (r.residentAfterFreeAllBytes() >= 0) {
            m.put("resident_after_free_all_bytes", r.residentAfterFreeAllBytes());
        }
        m.put("warmup_replays", r.warmups());
        m.put("elapsed_ms", round(r.elapsedNanos() / 1e6));
        m.put("throughput_ops_per_s", Math.round(r.throughput()));
        m.put("harness_ns_per_event", number(r.harnessNanosPerEvent()));
        m.put("latency_sampling", r.latencySampling());
        if (!r.workloadNotes().isEmpty()) {
            m.put("workload_notes", r.workloadNotes());
        }
        var latency = new LinkedHashMap<String, Object>();
        r.latency().forEach((op, h) -> latency.put(op, percentiles(h)));
        m.put("latency_ns", latency);
        m.put("strategy_stats", r.strategyStats());
        m.put("vm_stats", r.vmStats());
        if (!r.vmCounters().isEmpty()) {
            m.put("vm_counters", r.vmCounters());
        }
        m.put("timeline", timeline(r.timeline()));
        if (!r.layerFindings().isEmpty()) {
            m.put("layers", r.layerFindings());
        }
        return m;
    }

    /** count, mean, p50, p90, p99, p99.9 and max of a histogram of nanoseconds. */
    public static Map<String, Object> percentiles(Histogram h) {
        var p = new LinkedHashMap<String, Object>();
        p.put("count", h.getTotalCount());
        p.put("mean", round(h.getMean()));
        p.put("p50", h.getValueAtPercentile(50));
        p.put("p90", h.getValueAtPercentile(90));
        p.put("p99", h.getValueAtPercentile(99));
        p.put("p999", h.getValueAtPercentile(99.9));
        p.put("max", h.getMaxValue());
        return p;
    }

    /** The timeline as columns, so a chart reads it directly and the file stays small. */
    private static Map<String, Object> timeline(Timeline t) {
        var samples = t.samples();
        var columns = new LinkedHashMap<String, Object>();
        columns.put("operation", samples.stream().mapToLong(Timeline.Sample::operation).toArray());
        columns.put("nanos", samples.stream().mapToLong(Timeline.Sample::nanos).toArray());
        columns.put("live_bytes", samples.stream().mapToLong(Timeline.Sample::live).toArray());
        columns.put("committed_bytes", samples.stream().mapToLong(Timeline.Sample::committed).toArray());
        columns.put("resident_bytes", samples.stream().mapToLong(Timeline.Sample::resident).toArray());
        return columns;
    }

    private static Double number(double v) {
        return Double.isNaN(v) ? null : round(v);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
