package org.alloclab.harness.run;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.VirtualMemory;

/**
 * Where a run's committed and resident bytes come from. For our strategies the run's own virtual memory
 * is the ground truth: its counters for committed bytes, and for OS virtual memory the kernel's
 * {@code mincore} for resident ones (the simulation has no paging: resident is committed). An allocator
 * with {@link Capability#EXTERNAL_MEMORY} (glibc, jemalloc, …) never touches that virtual memory, so its
 * own {@code committed_bytes} and, when it reports one, {@code resident_bytes} are used.
 *
 * <h2>When asking for residency is costly</h2>
 * Committed bytes are counters, free to read. Resident bytes come from the kernel, page by page: a strategy
 * that commits a terabyte at creation ({@code linear} with {@code capacity = 1TiB}) costs a quarter of a
 * second a probe, and a replay samples hundreds of times. So a probe that took more than
 * {@link #COSTLY_NANOS} spaces the next ones out: none until {@link #SPACING} times its cost has passed,
 * which keeps residency probing under about 2% of the run's wall time. A skipped probe reads as unknown
 * (the timeline has no resident figure there), so the peak resident is then the highest of the probes
 * made; {@link #skipped()} and {@link #probes()} say how many, and results carry them
 * ({@code vm_counters.resident_probes}, {@code resident_probes_skipped}, {@code resident_probe_ms}).
 * {@link #residentNow()} always asks, for the figures at the end.
 */
final class FootprintProbe {

    /** What a footprint probe returns when a figure is not known. */
    static final long UNKNOWN = -1;

    private final Allocator allocator;
    private final VirtualMemory vm;
    private final boolean external;
    private final boolean kernel;

    FootprintProbe(Allocator allocator, VirtualMemory vm) {
        this.allocator = allocator;
        this.vm = vm;
        this.external = allocator.supports(Capability.EXTERNAL_MEMORY);
        this.kernel = vm.kind().equals("os");
    }

    /** Whether committed bytes come from the allocator rather than the virtual memory. */
    boolean external() {
        return external;
    }

    /** Bytes committed now. */
    long committed() {
        return external ? allocator.stats().find(AllocatorStats.COMMITTED_BYTES).orElse(UNKNOWN) : vm.stats().committedBytes();
    }

    /** A resident probe that took longer than this spaces out the next ones: 2 ms. */
    static final long COSTLY_NANOS = 2_000_000;
    /** After a costly probe, none until this many times its cost has passed. */
    static final long SPACING = 50;

    private long probes;
    private long skipped;
    private long probeNanos;
    private long nextProbeAt;

    /**
     * Bytes resident now, or {@link #UNKNOWN} — also when the last probe was costly and the next is not due
     * (see the class comment).
     */
    long resident() {
        if (nextProbeAt != 0 && System.nanoTime() < nextProbeAt) {
            skipped++;
            return UNKNOWN;
        }
        return residentNow();
    }

    /** Bytes resident now, or {@link #UNKNOWN}, asked whatever it costs. */
    long residentNow() {
        long t0 = System.nanoTime();
        long r = external ? allocator.stats().find("resident_bytes").orElse(UNKNOWN)
                : kernel ? vm.residentBytes() : vm.stats().committedBytes();
        long t1 = System.nanoTime();
        probes++;
        probeNanos += t1 - t0;
        nextProbeAt = t1 - t0 > COSTLY_NANOS ? t1 + SPACING * (t1 - t0) : 0;
        return r;
    }

    /** Resident probes made. */
    long probes() {
        return probes;
    }

    /** Resident probes skipped because the last was costly. */
    long skipped() {
        return skipped;
    }

    /** Mean time of a resident probe, in milliseconds. */
    double probeMillis() {
        return probes == 0 ? 0 : probeNanos / 1e6 / probes;
    }

    /** The highest committed bytes the virtual memory saw (exact), or {@link #UNKNOWN} for external memory. */
    long exactPeakCommitted() {
        return external ? UNKNOWN : vm.stats().peakCommittedBytes();
    }
}
