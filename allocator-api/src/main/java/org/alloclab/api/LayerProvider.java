package org.alloclab.api;

import java.util.Map;

/**
 * Creates a layer — a {@link Decorator} that any strategy can be wrapped in by configuration (red zones,
 * guard pages, a byte budget …). Found through {@link java.util.ServiceLoader} like strategies:
 * {@code META-INF/services/org.alloclab.api.LayerProvider}, then {@link Registry#layers()} by name.
 */
public interface LayerProvider extends Provider {

    /**
     * {@code inner} wrapped in a new layer. The layer owns {@code inner} from now on: closing the layer
     * closes it. {@code virtualMemory} is the one {@code inner} was created with.
     *
     * @throws IllegalArgumentException naming the parameter when the values cannot work, or saying why
     *                                  {@code inner} cannot be wrapped
     */
    Decorator wrap(Allocator inner, Parameters parameters, VirtualMemory virtualMemory);

    /** {@link #wrap(Allocator, Parameters, VirtualMemory)} from values as a user writes them. */
    default Decorator wrap(Allocator inner, Map<String, ?> parameters, VirtualMemory virtualMemory) {
        return wrap(inner, resolve(parameters), virtualMemory);
    }
}
