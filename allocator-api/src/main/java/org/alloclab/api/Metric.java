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
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("metric name must be snake_case, was '" + name + "'");
        }
    }
}
