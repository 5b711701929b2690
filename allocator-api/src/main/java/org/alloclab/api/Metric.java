package org.alloclab.api;

import java.util.Objects;

/**
 * One named value of an {@link AllocatorStats} snapshot.
 *
 * @param name        a stable, snake_case name, the same across strategies for the same meaning
 *                    (see the constants of {@link AllocatorStats})
 * @param value       the value, in {@code unit}
 * @param unit        what the value counts
 * @param description one line for people reading a report
 */
public record Metric(String name, long value, Unit unit, String description) {

    /** What a metric counts. */
    public enum Unit {
        /** bytes */
        BYTES,
        /** a number of events or objects */
        COUNT,
        /** nanoseconds */
        NANOSECONDS
    }

    /** Checks that every component is given and the name is snake_case. */
    public Metric {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(description, "description");
        if (!snakeCase(name)) {
            throw new IllegalArgumentException("metric name must be snake_case, was '" + name + "'");
        }
    }

    /**
     * Whether {@code name} is {@code [a-z][a-z0-9_]*}, checked by hand: a snapshot of stats makes dozens of
     * metrics and the harness takes hundreds of snapshots per replay, so no regular expression is compiled here.
     */
    private static boolean snakeCase(String name) {
        if (name.isEmpty() || name.charAt(0) < 'a' || name.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
