package org.alloclab.api;

import java.util.List;

/**
 * What every pluggable part of alloclab — strategy or virtual memory — tells about itself: a stable
 * name, a line of documentation and its tunables. Found by name through a {@link Registry}.
 */
public interface Provider {

    /** The stable name, lower case, dotted for variants: {@code linear}, {@code linear.vm}, {@code os}. */
    String name();

    /** One line: what it does and where it comes from. */
    String description();

    /** Its tunables with their defaults. */
    List<ParameterSpec> parameters();

    /** {@code given} checked against {@link #parameters()}, defaults filled in. */
    default Parameters resolve(java.util.Map<String, ?> given) {
        return Parameters.resolve(name(), parameters(), given);
    }
}
