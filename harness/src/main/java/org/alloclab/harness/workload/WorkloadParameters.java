package org.alloclab.harness.workload;

import org.alloclab.api.Parameters;

/** Parameter declarations and checks the workload types share. */
final class WorkloadParameters {

    /** The most allocations one workload may make: its operations stay a few hundred megabytes at most. */
    static final long MAX_ALLOCATIONS = 50_000_000;

    private WorkloadParameters() {
    }

    /**
     * The count parameter {@code name}, checked to lie in {@code [min, max]}.
     *
     * @throws IllegalArgumentException from {@link Parameters#invalid} when it does not
     */
    static long count(Parameters p, String name, long min, long max) {
        long value = p.count(name);
        if (value < min || value > max) {
            throw p.invalid(name, "must be between " + min + " and " + max);
        }
        return value;
    }

    /**
     * Checks that a workload's allocations, estimated by the caller, stay within {@link #MAX_ALLOCATIONS}.
     *
     * @param blame the parameter named in the message
     */
    static void checkTotal(Parameters p, String blame, double allocations) {
        if (allocations > MAX_ALLOCATIONS) {
            throw p.invalid(blame, "makes about " + (long) allocations + " allocations, more than "
                    + MAX_ALLOCATIONS + " (lower it or the counts it is multiplied with)");
        }
    }
}
