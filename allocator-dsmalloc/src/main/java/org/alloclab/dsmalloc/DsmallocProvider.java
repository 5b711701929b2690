package org.alloclab.dsmalloc;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/** {@code dsmalloc}: dlmalloc-style boundary tags over segments, decommitting free pages, releasing empty segments. */
public final class DsmallocProvider implements AllocatorProvider {

    @Override
    public String name() {
        return Dsmalloc.NAME;
    }

    @Override
    public String description() {
        return "dlmalloc-style boundary tags, exact small bins and TLSF lists, that knows reserve from commit:"
                + " decommits pages under free chunks and releases a segment when its last block is freed";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("segment-size", "4MiB", "address space reserved per ordinary segment (a multiple of the page)"),
                ParameterSpec.bytes("segment-threshold", "1MiB", "a request above it gets a segment of its own, released when freed"),
                ParameterSpec.bytes("page-size", "0", "the unit of commit and decommit, a multiple of the virtual memory's page; 0 for its page"),
                ParameterSpec.bytes("base-segment", "0", "0: grow by segments; otherwise reserve one base segment of this size at creation and never grow past it"),
                Dsmalloc.COMMIT_CACHE);
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long page = parameters.bytes("page-size");
        long p = page == 0 ? vm.pageSize() : page;
        if (page != 0 && (!Sizes.isPowerOfTwo(page) || page % vm.pageSize() != 0)) {
            throw parameters.invalid("page-size", "must be a power of two and a multiple of the " + vm.kind()
                    + " virtual memory's page (" + vm.pageSize() + ")");
        }
        long segment = parameters.bytes("segment-size");
        if (segment < p || segment % p != 0) {
            throw parameters.invalid("segment-size", "must be a positive multiple of the page (" + p + ")");
        }
        long threshold = parameters.bytes("segment-threshold");
        if (threshold > segment) {
            throw parameters.invalid("segment-threshold", "must not exceed segment-size (" + segment + ")");
        }
        long cache = parameters.bytes("commit-cache");
        return new Dsmalloc(Dsmalloc.cached(vm, cache, parameters), page, segment, threshold,
                parameters.bytes("base-segment"), cache > 0 ? 1 : 0);
    }
}
