package org.alloclab.harness.run;

import java.util.Map;

import org.HdrHistogram.Histogram;
import org.alloclab.api.VirtualMemoryStats;

/**
 * What one strategy did on one workload over one virtual memory. Byte figures follow the one set of
 * definitions of the design: <em>live</em> is the sum of requested sizes of live blocks, counted by the
 * replayer itself; <em>committed</em> comes from the run's own virtual memory, not from the strategy.
 *
 * @param strategy                 the strategy's label (its name unless the configuration gave one)
 * @param strategyName             the strategy's registered name
 * @param parameters               the strategy's parameters, defaults included
 * @param virtualMemory            the virtual memory's kind
 * @param workload                 the workload's name
 * @param events                   operations replayed
 * @param failures                 allocations and reallocations that returned 0
 * @param skipped                  operations on a block whose allocation had failed
 * @param deferredFrees            frees a strategy without single-block free could not do (its resets did)
 * @param peakLiveBytes            highest live bytes
 * @param peakCommittedBytes       highest committed bytes of the run's virtual memory
 * @param committedEndBytes        committed bytes after the last operation
 * @param committedAfterFreeAllBytes committed bytes after every surviving block was freed
 * @param elapsedNanos             wall time of the replay, timing included
 * @param latency                  nanoseconds per operation, by operation kind
 * @param strategyStats            the strategy's own metrics at the end
 * @param vmStats                  the virtual memory's counters at the end
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
        long committedEndBytes,
        long committedAfterFreeAllBytes,
        long elapsedNanos,
        Map<String, Histogram> latency,
        Map<String, Long> strategyStats,
        VirtualMemoryStats vmStats) {

    /** Peak committed ÷ peak live: 1.00 is perfect; NaN when nothing was live. */
    public double footprintRatio() {
        return peakLiveBytes == 0 ? Double.NaN : (double) peakCommittedBytes / peakLiveBytes;
    }

    /** Operations per second of wall time. */
    public double throughput() {
        return elapsedNanos == 0 ? 0 : events * 1e9 / elapsedNanos;
    }
}
