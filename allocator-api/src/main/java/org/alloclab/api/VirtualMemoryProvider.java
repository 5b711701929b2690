package org.alloclab.api;

import java.util.Map;

/**
 * Creates virtual memories of one kind ({@code os}, {@code simulated}). Found through
 * {@link java.util.ServiceLoader} under {@code META-INF/services/org.alloclab.api.VirtualMemoryProvider}.
 */
public interface VirtualMemoryProvider extends Provider {

    /**
     * A new virtual memory.
     *
     * @throws IllegalArgumentException naming the parameter when a value is invalid
     */
    VirtualMemory create(Parameters parameters);

    /** {@link #create(Parameters)} from values as a user writes them. */
    default VirtualMemory create(Map<String, ?> parameters) {
        return create(resolve(parameters));
    }
}
