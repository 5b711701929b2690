package org.alloclab.harness.run;

import java.util.Map;

import org.HdrHistogram.Histogram;
import org.alloclab.api.VirtualMemoryStats;
import org.alloclab.harness.workload.Operations;

/**
 * What one strategy did on one workload over one virtual memory. Byte figures follow the one set of
 * definitions of the design: <em>live</em> is the sum of requested sizes of live blocks, counted by the
 * replayer itself; <em>committed</em> and <em>resident</em> come from the run's own virtual memory (or,
 * for an allocator with external memory, from the allocator's own statistics); see {@link Footprint}.
 *
 * @param strategy                   the strategy's label (its name unless the configuration gave one)
 * @param strategyName               the strategy's registered name
 * @param parameters                 the strategy's parameters, defaults included
 * @param virtualMemory              the virtual memory's kind
 * @param workload                   the workload's name
 * @param events                     operations replayed
 * @param failures                   allocations and reallocations that returned 0
 * @param skipped                    operations on a block whose allocation had failed
 * @param deferredFrees              frees a strategy without single-block free could not do
 * @param peakLiveBytes              highest live bytes
 * @param peakCommittedBytes         highest committed bytes (exact for our virtual memories, sampled otherwise)
 * @param peakResidentBytes          highest resident bytes sampled, or -1 when not known
 * @param committedEndBytes          committed bytes after the last operation
 * @param committedAfterFreeAllBytes committed bytes after every surviving block was freed
 * @param residentAfterFreeAllBytes  resident bytes then, or -1 when not known
 * @param elapsedNanos               wall time of the replay, probing excluded
 * @param latencySampling            one call in this many was timed
 * @param harnessNanosPerEvent       the harness's own cost per event on this workload, or NaN
 * @param latency                    nanoseconds per timed operation, by operation kind
 * @param timeline                   the footprint over the run
 * @param strategyStats              the strategy's own metrics at the end
 * @param vmStats                    the virtual memory's counters at the end, or null when unused
 * @param workloadNotes              counts reported by the workload (e.g. unmatched frees of a trace)
 * @param threads                    threads that replayed the workload at once (1: the one-thread replay)
 * @param decorators                 layers the strategy ran under, outermost first (e.g. {@code locking},
 *                                   added when a strategy that is not thread-safe ran on several threads)
 * @param heap                       the strategy's heap at one moment, or null when none was taken
 * @param warmups                    untimed replays made before this one
 * @param vmCounters                 counters of layers over the virtual memory (a commit cache's), by name
 * @param layerFindings              what each debugging or profiling layer found (sites, budget use,
 *                                   fragmentation samples), by the layer's name, taken at the end of the
 *                                   operations before what survived is freed
 */
public record RunResult(
        String strategy,
        String strategyName,
        Map<String, Object> parameters,
        String virtualMemory,
        String workload,
        long events,
        long failures,
        long skipped,
        long deferredFrees,
        long peakLiveBytes,
        long peakCommittedBytes,
        long peakResidentBytes,
        long committedEndBytes,
        long committedAfterFreeAllBytes,
        long residentAfterFreeAllBytes,
        long elapsedNanos,
        int latencySampling,
        double harnessNanosPerEvent,
        Map<String, Histogram> latency,
        Timeline timeline,
        Map<String, Long> strategyStats,
        VirtualMemoryStats vmStats,
        Map<String, Long> workloadNotes,
        int threads,
        java.util.List<String> decorators,
        HeapSnapshot heap,
        int warmups,
        Map<String, Long> vmCounters,
        Map<String, Map<String, Object>> layerFindings) {

    /**
     * The result of a calibration replay: only the events and the time are meaningful.
     */
    static RunResult calibration(Operations ops, long elapsedNanos) {
        return new RunResult("calibration", "calibration.noop", Map.of(), "none", ops.name(), ops.size(), 0, 0, 0,
                0, 0, -1, 0, 0, -1, elapsedNanos, 1, Double.NaN, Map.of(), new Timeline(), Map.of(), null, Map.of(), 1,
                java.util.List.of(), null, 0, Map.of(), Map.of());
    }

    /** This result with the harness's own cost per event on its workload. */
    public RunResult withHarnessCost(double nanosPerEvent) {
        return new RunResult(strategy, strategyName, parameters, virtualMemory, workload, events, failures, skipped,
                deferredFrees, peakLiveBytes, peakCommittedBytes, peakResidentBytes, committedEndBytes,
                committedAfterFreeAllBytes, residentAfterFreeAllBytes, elapsedNanos, latencySampling, nanosPerEvent,
                latency, timeline, strategyStats, vmStats, workloadNotes, threads, decorators, heap, warmups, vmCounters, layerFindings);
    }

    /** This result with the virtual memory named by its label (its kind, and the values a sweep varied). */
    public RunResult withVirtualMemory(String label) {
        return new RunResult(strategy, strategyName, parameters, label, workload, events, failures, skipped,
                deferredFrees, peakLiveBytes, peakCommittedBytes, peakResidentBytes, committedEndBytes,
                committedAfterFreeAllBytes, residentAfterFreeAllBytes, elapsedNanos, latencySampling,
                harnessNanosPerEvent, latency, timeline, strategyStats, vmStats, workloadNotes, threads, decorators, heap, warmups, vmCounters, layerFindings);
    }

    /** This result, made after {@code n} warm-up replays. */
    public RunResult withWarmups(int n) {
        return new RunResult(strategy, strategyName, parameters, virtualMemory, workload, events, failures, skipped,
                deferredFrees, peakLiveBytes, peakCommittedBytes, peakResidentBytes, committedEndBytes,
                committedAfterFreeAllBytes, residentAfterFreeAllBytes, elapsedNanos, latencySampling,
                harnessNanosPerEvent, latency, timeline, strategyStats, vmStats, workloadNotes, threads, decorators, heap, n, vmCounters, layerFindings);
    }

    /** Peak committed ÷ peak live: 1.00 is perfect; NaN when nothing was live. */
    public double footprintRatio() {
        return peakLiveBytes == 0 ? Double.NaN : (double) peakCommittedBytes / peakLiveBytes;
    }

    /** Peak resident ÷ peak live; NaN when either is not known. */
    public double residentRatio() {
        return peakLiveBytes == 0 || peakResidentBytes < 0 ? Double.NaN : (double) peakResidentBytes / peakLiveBytes;
    }

    /** Operations per second of replay time. */
    public double throughput() {
        return elapsedNanos == 0 ? 0 : events * 1e9 / elapsedNanos;
    }
}
