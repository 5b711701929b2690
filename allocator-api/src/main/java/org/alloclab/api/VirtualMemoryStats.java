package org.alloclab.api;

/**
 * Counters of a {@link VirtualMemory}, taken at one moment.
 *
 * @param reservedBytes       address space reserved now
 * @param peakReservedBytes   high-water mark of {@code reservedBytes}
 * @param committedBytes      bytes committed now
 * @param peakCommittedBytes  high-water mark of {@code committedBytes}
 * @param reserveCalls        successful reserves
 * @param releaseCalls        releases
 * @param commitCalls         successful commits
 * @param decommitCalls       decommits
 * @param failedReserves      reserves that failed (address space exhausted, the OS refused, or injected)
 * @param failedCommits       commits that failed (budget exhausted, the OS refused, or injected)
 */
public record VirtualMemoryStats(
        long reservedBytes,
        long peakReservedBytes,
        long committedBytes,
        long peakCommittedBytes,
        long reserveCalls,
        long releaseCalls,
        long commitCalls,
        long decommitCalls,
        long failedReserves,
        long failedCommits) {

    /** Number of calls that went to the memory source (the kernel, for OS virtual memory). */
    public long calls() {
        return reserveCalls + releaseCalls + commitCalls + decommitCalls + failedReserves + failedCommits;
    }
}
