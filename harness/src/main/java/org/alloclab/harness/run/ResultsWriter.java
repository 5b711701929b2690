package org.alloclab.harness.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * Writes a run as results record it: its entry of {@code results.json} under the keys of {@link Schema},
 * and beside it its latency histograms as an HdrHistogram interval log ({@code .hlog}, one tagged
 * histogram per operation kind) and as percentile distributions ({@code .hgrm}, in nanoseconds), and its
 * heap map ({@code .heap.json.gz}), each named in the entry by its path relative to the results folder.
 */
public final class ResultsWriter {

    private ResultsWriter() {
    }

    /**
     * The entry of {@code r}, with its files written into {@code folder} under {@code stem} (a path
     * relative to the folder, without extension: {@code cells/dsmalloc--os--perl--r0}).
     */
    public static Map<String, Object> entry(Path folder, String stem, RunResult r) {
        var entry = toMap(r);
        entry.put(Schema.LATENCY_FILES, writeHistograms(folder, stem, r));
        HeapSnapshot heap = r.details().heap();
        if (heap != null) {
            Path file = folder.resolve(stem + ".heap.json.gz");
            AtomicFile.write(file, out -> {
                var gzip = new java.util.zip.GZIPOutputStream(out);
                Json.write(gzip, heap.toMap());
                gzip.finish();
            });
            entry.put(Schema.HEAP_MAP_FILE, stem + ".heap.json.gz");
        }
        return entry;
    }

    private static Map<String, String> writeHistograms(Path folder, String stem, RunResult r) {
        var files = new LinkedHashMap<String, String>();
        Path hlog = folder.resolve(stem + ".hlog");
        AtomicFile.print(hlog, out -> {
            var log = new org.HdrHistogram.HistogramLogWriter(out);
            log.outputComment("alloclab latency of " + r.strategy() + " on " + r.virtualMemory() + ", " + r.workload()
                    + ": nanoseconds per operation, one call in " + r.timing().latencySampling() + " timed; tag = operation");
            log.outputLogFormatVersion();
            log.outputLegend();
            r.latency().forEach((op, h) -> {
                Histogram copy = h.copy();
                copy.setTag(op);
                copy.setStartTimeStamp(0);
                copy.setEndTimeStamp(Math.max(1, r.elapsedNanos() / 1_000_000));
                log.outputIntervalHistogram(copy);
            });
        });
        files.put(Schema.HLOG, stem + ".hlog");
        Path hgrm = folder.resolve(stem + ".hgrm");
        AtomicFile.print(hgrm, out -> r.latency().forEach((op, h) -> {
            out.println("# " + op + " (nanoseconds per operation)");
            h.outputPercentileDistribution(out, 5, 1.0);
            out.println();
        }));
        files.put(Schema.PERCENTILES, stem + ".hgrm");
        return files;
    }

    /** A run as an entry of results.json, under the keys of {@link Schema}. */
    public static Map<String, Object> toMap(RunResult r) {
        RunResult.Subject what = r.subject();
        RunResult.Counts counts = r.counts();
        RunResult.Bytes bytes = r.bytes();
        RunResult.Timing timing = r.timing();
        RunResult.Details details = r.details();
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.STRATEGY, what.strategy());
        m.put(Schema.STRATEGY_NAME, what.strategyName());
        m.put(Schema.PARAMETERS, what.parameters());
        m.put(Schema.VIRTUAL_MEMORY, what.virtualMemory());
        m.put(Schema.WORKLOAD, what.workload());
        m.put(Schema.THREADS, what.threads());
        m.put(Schema.DECORATORS, what.decorators());
        m.put(Schema.EXTERNAL_MEMORY, details.vmStats() == null);
        m.put(Schema.EVENTS, counts.events());
        m.put(Schema.FAILURES, counts.failures());
        m.put(Schema.SKIPPED, counts.skipped());
        m.put(Schema.DEFERRED_FREES, counts.deferredFrees());
        if (bytes.maxRequest() > 0) {
            m.put(Schema.MAX_REQUEST_BYTES, bytes.maxRequest());
        }
        m.put(Schema.REFUSED_BY_HARNESS, counts.refusedByHarness());
        m.put(Schema.TOUCH_LIMITED, counts.touchLimited());
        m.put(Schema.PEAK_LIVE_BYTES, bytes.peakLive());
        m.put(Schema.PEAK_COMMITTED_BYTES, bytes.peakCommitted());
        m.put(Schema.FOOTPRINT_RATIO, number(r.footprintRatio()));
        if (bytes.idealFootprint() >= 0) {
            m.put(Schema.IDEAL_FOOTPRINT_BYTES, bytes.idealFootprint());
            m.put(Schema.IDEAL_RATIO, number(r.idealRatio()));
        }
        m.put(Schema.COMMITTED_END_BYTES, bytes.committedEnd());
        m.put(Schema.COMMITTED_AFTER_FREE_ALL_BYTES, bytes.committedAfterFreeAll());
        if (bytes.peakResident() >= 0) {
            m.put(Schema.PEAK_RESIDENT_BYTES, bytes.peakResident());
            m.put(Schema.RESIDENT_RATIO, number(r.residentRatio()));
        }
        if (bytes.residentAfterFreeAll() >= 0) {
            m.put(Schema.RESIDENT_AFTER_FREE_ALL_BYTES, bytes.residentAfterFreeAll());
        }
        m.put(Schema.WARMUP_REPLAYS, timing.warmups());
        m.put(Schema.JIT_WAIT_MS, timing.jitWaitMillis());
        m.put(Schema.ELAPSED_MS, round(timing.elapsedNanos() / 1e6));
        if (timing.replaysNanos().size() > 1) {
            m.put(Schema.MEASURED_REPLAYS_MS, timing.replaysNanos().stream().map(n -> round(n / 1e6)).toList());
        }
        m.put(Schema.THROUGHPUT, Math.round(r.throughput()));
        m.put(Schema.HARNESS_NS_PER_EVENT, number(timing.harnessNanosPerEvent()));
        m.put(Schema.LATENCY_SAMPLING, timing.latencySampling());
        if (!details.workloadNotes().isEmpty()) {
            m.put(Schema.WORKLOAD_NOTES, details.workloadNotes());
        }
        var latency = new LinkedHashMap<String, Object>();
        r.latency().forEach((op, h) -> latency.put(op, percentiles(h)));
        m.put(Schema.LATENCY_NS, latency);
        m.put(Schema.STRATEGY_STATS, details.strategyStats());
        m.put(Schema.VM_STATS, details.vmStats());
        if (!details.vmCounters().isEmpty()) {
            m.put(Schema.VM_COUNTERS, details.vmCounters());
        }
        m.put(Schema.TIMELINE, timeline(r.timeline()));
        if (!details.layerFindings().isEmpty()) {
            m.put(Schema.LAYERS, details.layerFindings());
        }
        return m;
    }

    /** count, mean, p50, p90, p99, p99.9 and max of a histogram of nanoseconds. */
    public static Map<String, Object> percentiles(Histogram h) {
        var p = new LinkedHashMap<String, Object>();
        p.put(Schema.COUNT, h.getTotalCount());
        p.put(Schema.MEAN, round(h.getMean()));
        p.put(Schema.P50, h.getValueAtPercentile(50));
        p.put(Schema.P90, h.getValueAtPercentile(90));
        p.put(Schema.P99, h.getValueAtPercentile(99));
        p.put(Schema.P999, h.getValueAtPercentile(99.9));
        p.put(Schema.MAX, h.getMaxValue());
        return p;
    }

    /** The timeline as columns, so a chart reads it directly and the file stays small. */
    private static Map<String, Object> timeline(Timeline t) {
        var samples = t.samples();
        var columns = new LinkedHashMap<String, Object>();
        columns.put(Schema.OPERATION, samples.stream().mapToLong(Timeline.Sample::operation).toArray());
        columns.put(Schema.NANOS, samples.stream().mapToLong(Timeline.Sample::nanos).toArray());
        columns.put(Schema.LIVE_BYTES, samples.stream().mapToLong(Timeline.Sample::live).toArray());
        columns.put(Schema.COMMITTED_BYTES, samples.stream().mapToLong(Timeline.Sample::committed).toArray());
        columns.put(Schema.RESIDENT_BYTES, samples.stream().mapToLong(Timeline.Sample::resident).toArray());
        return columns;
    }

    static Double number(double v) {
        return Double.isNaN(v) ? null : round(v);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
