package org.alloclab.baselines;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code glibc}: the C library's malloc through FFM downcalls; see {@link GlibcAllocator}. */
public final class GlibcProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public GlibcProvider() {
    }

    @Override
    public String name() {
        return "glibc";
    }

    @Override
    public String description() {
        return "baseline: glibc malloc/free/realloc/aligned_alloc through critical FFM downcalls; committed/resident read from the allocating thread's arena (set MALLOC_ARENA_MAX=1024 for one of its own)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    /** A view of the C heap; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new GlibcAllocator();
    }
}
