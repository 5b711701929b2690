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

    /** Bytes resident now, or {@link #UNKNOWN}. */
    long resident() {
        if (external) {
            return allocator.stats().find("resident_bytes").orElse(UNKNOWN);
        }
        return kernel ? vm.residentBytes() : vm.stats().committedBytes();
    }

    /** The highest committed bytes the virtual memory saw (exact), or {@link #UNKNOWN} for external memory. */
    long exactPeakCommitted() {
        return external ? UNKNOWN : vm.stats().peakCommittedBytes();
    }
}
