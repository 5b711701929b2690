package org.alloclab.harness.run;

import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;
import org.alloclab.api.VirtualMemoryStats;

/**
 * What one strategy did on one workload over one virtual memory, in one replay. Byte figures follow the one
 * set of definitions of the design: <em>live</em> is the sum of requested sizes of live blocks, counted by
 * the replayer itself; <em>committed</em> and <em>resident</em> come from the run's own virtual memory (or,
 * for an allocator with external memory, from the allocator's own statistics); see {@link FootprintProbe}.
 * {@link ResultsWriter} writes it under the keys of {@link Schema}.
 *
 * @param subject  what ran: strategy, virtual memory, workload, threads
 * @param counts   how many operations were replayed, failed, skipped or deferred
 * @param bytes    live, committed and resident bytes at their peaks, at the end and after free-all
 * @param timing   the replay's time and how it was taken
 * @param latency  nanoseconds per timed operation, by operation kind
 * @param timeline the footprint over the run
 * @param details  what the strategy, its layers, its virtual memory and the workload reported besides
 */
public record RunResult(Subject subject, Counts counts, Bytes bytes, Timing timing, Map<String, Histogram> latency,
                        Timeline timeline, Details details) {

    /**
     * What ran.
     *
     * @param strategy      the strategy's label (its name unless the configuration gave one)
     * @param strategyName  the strategy's registered name
     * @param parameters    the strategy's parameters, defaults included
     * @param virtualMemory the virtual memory's label (its kind, and the values a sweep varied)
     * @param workload      the workload's name
     * @param threads       threads that replayed the workload at once (1: the one-thread replay)
     * @param decorators    layers the strategy ran under, outermost first (e.g. {@code locking}, added when a
     *                      strategy that is not thread-safe ran on several threads)
     */
    public record Subject(String strategy, String strategyName, Map<String, Object> parameters, String virtualMemory,
                          String workload, int threads, List<String> decorators) {
    }

    /**
     * @param events        operations replayed
     * @param failures      allocations and reallocations that returned 0
     * @param skipped       operations on a block whose allocation had failed
     * @param deferredFrees frees a strategy without single-block free could not do
     * @param refusedByHarness requests (allocations and resizes) above the harness's ceiling ({@link Bytes#maxRequest()}),
     *                      never sent to the allocator: an allocation refused so is skipped with its later operations,
     *                      a resize leaves its block as it was
     * @param touchLimited  blocks of which only the first bytes were written, although every byte was to be, because the
     *                      bytes written into live blocks would have passed the harness's touch limit
     */
    public record Counts(long events, long failures, long skipped, long deferredFrees, long refusedByHarness,
                         long touchLimited) {
    }

    /**
     * @param peakLive             highest live bytes
     * @param peakCommitted        highest committed bytes (exact for our virtual memories, sampled otherwise)
     * @param peakResident         highest resident bytes sampled, or -1 when not known
     * @param committedEnd         committed bytes after the last operation
     * @param committedAfterFreeAll committed bytes after every surviving block was freed
     * @param residentAfterFreeAll resident bytes then, or -1 when not known
     * @param idealFootprint       the footprint of an ideal allocator on the workload (see
     *                             {@link org.alloclab.harness.workload.IdealFootprint}): the peak of the live
     *                             blocks' sizes, each rounded up to its alignment, with no metadata and no holes;
     *                             the floor no strategy can beat. With {@code T} threads each replaying its own copy
     *                             of a workload, {@code T} × one copy's floor: the floor when the copies' peaks
     *                             coincide (threads that drift apart may need less). -1 when not computed (a
     *                             replay made outside a {@link Measurement})
     * @param maxRequest           the harness's ceiling: the largest request it sent to the allocator (the
     *                             {@code max-request} setting, resolved on the machine that ran the replay); larger
     *                             ones were refused ({@link Counts#refusedByHarness()})
     */
    public record Bytes(long peakLive, long peakCommitted, long peakResident, long committedEnd,
                        long committedAfterFreeAll, long residentAfterFreeAll, long idealFootprint, long maxRequest) {
    }

    /**
     * @param elapsedNanos         wall time of the replay, probing excluded
     * @param latencySampling      one call in this many was timed
     * @param harnessNanosPerEvent the harness's own cost per event on this workload, or NaN
     * @param warmups              untimed replays made before this one
     * @param jitWaitMillis        how long this replay waited for the JIT's queue to drain before it started
     * @param replaysNanos         with several measured replays, each one's time in the order they ran (this
     *                             one's is their median); otherwise this one's alone
     */
    public record Timing(long elapsedNanos, int latencySampling, double harnessNanosPerEvent, int warmups,
                         long jitWaitMillis, List<Long> replaysNanos) {
    }

    /**
     * @param strategyStats the strategy's own metrics at the end
     * @param vmStats       the virtual memory's counters at the end, or null when unused (external memory)
     * @param vmCounters    counters of layers over the virtual memory (a commit cache's), by name
     * @param workloadNotes counts reported by the workload (e.g. unmatched frees of a trace)
     * @param layerFindings what each debugging or profiling layer found (sites, budget use, fragmentation
     *                      samples), by the layer's name, taken at the end of the operations before what
     *                      survived is freed
     * @param heap          the strategy's heap at one moment, or null when none was taken
     */
    public record Details(Map<String, Long> strategyStats, VirtualMemoryStats vmStats, Map<String, Long> vmCounters,
                          Map<String, Long> workloadNotes, Map<String, Map<String, Object>> layerFindings,
                          HeapSnapshot heap) {
    }

    /** This result with the harness's own cost per event on its workload. */
    public RunResult withHarnessCost(double nanosPerEvent) {
        return new RunResult(subject, counts, bytes,
                new Timing(timing.elapsedNanos(), timing.latencySampling(), nanosPerEvent, timing.warmups(),
                        timing.jitWaitMillis(), timing.replaysNanos()),
                latency, timeline, details);
    }

    /** This result with the virtual memory named by its label (its kind, and the values a sweep varied). */
    public RunResult withVirtualMemory(String label) {
        return new RunResult(new Subject(subject.strategy(), subject.strategyName(), subject.parameters(), label,
                subject.workload(), subject.threads(), subject.decorators()), counts, bytes, timing, latency, timeline,
                details);
    }

    /**
     * This result, made after {@code n} warm-up replays and a wait of {@code jitWaitMillis} for the JIT, the median of
     * measured replays that took {@code replaysNanos}.
     */
    public RunResult withWarmups(int n, long jitWaitMillis, List<Long> replaysNanos) {
        return new RunResult(subject, counts, bytes,
                new Timing(timing.elapsedNanos(), timing.latencySampling(), timing.harnessNanosPerEvent(), n, jitWaitMillis,
                        List.copyOf(replaysNanos)),
                latency, timeline, details);
    }

    /** This result with the ideal footprint of its workload (see {@link Bytes#idealFootprint()}). */
    public RunResult withIdealFootprint(long ideal) {
        return new RunResult(subject, counts, new Bytes(bytes.peakLive(), bytes.peakCommitted(), bytes.peakResident(),
                bytes.committedEnd(), bytes.committedAfterFreeAll(), bytes.residentAfterFreeAll(), ideal, bytes.maxRequest()),
                timing, latency,
                timeline, details);
    }

    /** This result without its heap map. */
    public RunResult withoutHeap() {
        return new RunResult(subject, counts, bytes, timing, latency, timeline, new Details(details.strategyStats(),
                details.vmStats(), details.vmCounters(), details.workloadNotes(), details.layerFindings(), null));
    }

    /** The strategy's label. */
    public String strategy() {
        return subject.strategy();
    }

    /** The workload's name. */
    public String workload() {
        return subject.workload();
    }

    /** The virtual memory's label. */
    public String virtualMemory() {
        return subject.virtualMemory();
    }

    /** Threads that replayed the workload at once. */
    public int threads() {
        return subject.threads();
    }

    /** Wall time of the replay, probing excluded. */
    public long elapsedNanos() {
        return timing.elapsedNanos();
    }

    /** Peak committed ÷ peak live: 1.00 is perfect; NaN when nothing was live. */
    public double footprintRatio() {
        return bytes.peakLive() == 0 ? Double.NaN : (double) bytes.peakCommitted() / bytes.peakLive();
    }

    /**
     * Peak committed ÷ the ideal footprint (the same peak as {@link #footprintRatio()}'s): 1.00 is the physical
     * limit; NaN when the ideal is not known or zero.
     */
    public double idealRatio() {
        return bytes.idealFootprint() <= 0 ? Double.NaN : (double) bytes.peakCommitted() / bytes.idealFootprint();
    }

    /** Peak resident ÷ peak live; NaN when either is not known. */
    public double residentRatio() {
        return bytes.peakLive() == 0 || bytes.peakResident() < 0 ? Double.NaN
                : (double) bytes.peakResident() / bytes.peakLive();
    }

    /** Operations per second of replay time. */
    public double throughput() {
        return timing.elapsedNanos() == 0 ? 0 : counts.events() * 1e9 / timing.elapsedNanos();
    }
}
