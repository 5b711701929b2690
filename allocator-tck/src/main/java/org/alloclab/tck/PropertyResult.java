package org.alloclab.tck;

import java.util.Map;

/**
 * How one property of the contract ended, as {@link ContractRunner} saw it.
 *
 * @param name    the property and its virtual memory, e.g. {@code modelBasedRun[simulated]}
 * @param status  passed, failed, or skipped (the strategy lacks what the property needs)
 * @param tries   how many tries ran (up to and including the failing one)
 * @param seed    the seed the property derived its tries from; rerun with it to see the same failure
 * @param seconds how long the property took
 * @param message the failure message, or why the property was skipped; empty when it passed
 * @param sample  on failure, the shrunk sequence of steps (or the calls that led to the failure), one
 *                numbered line each, with what the allocator returned; otherwise empty
 * @param entries every report entry the property published, by key
 */
public record PropertyResult(String name, Status status, int tries, long seed, double seconds, String message,
                             String sample, Map<String, String> entries) {

    /** How a property ended. */
    public enum Status {
        /** every try held */
        PASSED,
        /** a try broke a rule */
        FAILED,
        /** not run: the strategy lacks a capability the property needs, or the memory lacks a parameter */
        SKIPPED
    }

    /** Copies the entries. */
    public PropertyResult {
        entries = Map.copyOf(entries);
    }

    /** Whether the property passed. */
    public boolean passed() {
        return status == Status.PASSED;
    }
}
