package org.alloclab.baselines;

import java.util.List;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code jemalloc}: LWJGL's jemalloc build from Maven Central; see {@link JemallocAllocator}. */
public final class JemallocProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public JemallocProvider() {
    }

    @Override
    public String name() {
        return "jemalloc";
    }

    @Override
    public String description() {
        return "baseline: jemalloc (LWJGL's build) with its default thread caches and decay, in an arena of its own; footprint = resident pages of what the arena took from the system";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.ofNullable(Jemalloc.unavailable());
    }

    /** A view of LWJGL's jemalloc heap; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new JemallocAllocator();
    }
}
