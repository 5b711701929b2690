package org.alloclab.baselines;

import java.util.List;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code tcmalloc}: gperftools' tcmalloc from the system's library; see {@link TcmallocAllocator}. */
public final class TcmallocProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public TcmallocProvider() {
    }

    @Override
    public String name() {
        return "tcmalloc";
    }

    @Override
    public String description() {
        return "baseline: gperftools tcmalloc (" + Tcmalloc.LIBRARY + ") through tc_malloc/tc_free; footprint = resident pages of what it took from the system";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.ofNullable(Tcmalloc.unavailable());
    }

    /** A view of the system's tcmalloc heap; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new TcmallocAllocator();
    }
}
