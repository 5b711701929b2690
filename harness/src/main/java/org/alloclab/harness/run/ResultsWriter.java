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

    /** Adds a finished run and rewrites the file. */
    public void add(RunResult r) {
        results.add(toMap(r));
        write();
    }

    /** Adds a run that failed with {@code error} and rewrites the file. */
    public void addFailure(String strategy, String virtualMemory, String workload, Throwable error) {
        var m = new LinkedHashMap<String, Object>();
        m.put("strategy", strategy);
        m.put("virtual_memory", virtualMemory);
        m.put("workload", workload);
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
        m.put("events", r.events());
        m.put("failures", r.failures());
        m.put("skipped", r.skipped());
        m.put("deferred_frees", r.deferredFrees());
        m.put("peak_live_bytes", r.peakLiveBytes());
        m.put("peak_committed_bytes", r.peakCommittedBytes());
        m.put("footprint_ratio", Double.isNaN(r.footprintRatio()) ? null : round(r.footprintRatio()));
        m.put("committed_end_bytes", r.committedEndBytes());
        m.put("committed_after_free_all_bytes", r.committedAfterFreeAllBytes());
        m.put("elapsed_ms", round(r.elapsedNanos() / 1e6));
        m.put("throughput_ops_per_s", Math.round(r.throughput()));
        var latency = new LinkedHashMap<String, Object>();
        r.latency().forEach((op, h) -> latency.put(op, percentiles(h)));
        m.put("latency_ns", latency);
        m.put("strategy_stats", r.strategyStats());
        m.put("vm_stats", r.vmStats());
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

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
