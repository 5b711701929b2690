package org.alloclab.api;

import java.util.Map;
import java.util.Optional;

/**
 * Creates allocators of one strategy. Providers are found through {@link java.util.ServiceLoader}: a jar
 * lists its providers in {@code META-INF/services/org.alloclab.api.AllocatorProvider}, and
 * {@link Registry#strategies()} finds them by {@link #name()}.
 */
public interface AllocatorProvider extends Provider {

    /**
     * A new allocator drawing its memory from {@code virtualMemory}. The allocator does not own the
     * virtual memory: closing the allocator gives its regions back but leaves the virtual memory open.
     *
     * @throws IllegalArgumentException naming the parameter when the combination of values is invalid
     */
    Allocator create(Parameters parameters, VirtualMemory virtualMemory);

    /**
     * Why this strategy cannot run on this machine, with what to install or change — a native library that
     * is missing, say — or empty when it can. A configuration naming an unavailable strategy is refused with
     * this message before anything runs, and {@code alloclab list} shows it.
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }

    /** {@link #create(Parameters, VirtualMemory)} from values as a user writes them. */
    default Allocator create(Map<String, ?> parameters, VirtualMemory virtualMemory) {
        return create(resolve(parameters), virtualMemory);
    }
}
