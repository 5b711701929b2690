package org.alloclab.baselines;

import java.util.List;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code mimalloc}: Microsoft's mimalloc from the system's library; see {@link MimallocAllocator}. */
public final class MimallocProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public MimallocProvider() {
    }

    @Override
    public String name() {
        return "mimalloc";
    }

    @Override
    public String description() {
        return "baseline: Microsoft mimalloc (" + Mimalloc.LIBRARY + ") through mi_malloc/mi_free over an arena alloclab reserved; footprint = its resident pages";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.ofNullable(Mimalloc.unavailable());
    }

    /** A view of the system's mimalloc heap; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new MimallocAllocator();
    }
}
