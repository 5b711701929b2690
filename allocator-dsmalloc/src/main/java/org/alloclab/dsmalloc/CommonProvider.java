package org.alloclab.dsmalloc;

import java.util.List;
import java.util.Locale;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * {@code common}: the composite of Despair Engine's general allocator — a dsmalloc space per small size
 * class and one large dsmalloc space, optionally thread-safe by trying the next class's space when one is
 * busy. See {@link CommonAllocator}.
 */
public final class CommonProvider implements AllocatorProvider {

    @Override
    public String name() {
        return CommonAllocator.NAME;
    }

    @Override
    public String description() {
        return "Despair Engine's common allocator: dsmalloc spaces per small size class (8-byte classes below 64,"
                + " 16-byte classes to 256) and one large dsmalloc space; frees found through an address map";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("segment-size", "32MiB", "the large space's segment"),
                ParameterSpec.bytes("page-size", "64KiB", "the large space's commit unit (at least the virtual memory's page)"),
                ParameterSpec.bytes("segment-threshold", "1MiB", "a request above it gets a segment of its own in the large space"),
                ParameterSpec.bytes("small-segment-size", "0", "a small space's segment and commit unit; 0 for the virtual memory's page"),
                ParameterSpec.choice("threads-mode", "none", "none: one thread at a time; try-next: a lock per space,"
                        + " a thread finding its class's space locked tries the next larger class's", "none", "try-next"),
                ParameterSpec.count("try-next-limit", 2, "try-next: how many larger classes a thread tries before waiting"),
                Dsmalloc.COMMIT_CACHE);
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long vmPage = vm.pageSize();
        long page = parameters.bytes("page-size");
        if (!Sizes.isPowerOfTwo(page) || (page > vmPage && page % vmPage != 0)) {
            throw parameters.invalid("page-size", "must be a power of two (raised to the " + vm.kind()
                    + " virtual memory's page, " + vmPage + ", when smaller)");
        }
        long p = Math.max(page, vmPage);
        long segment = parameters.bytes("segment-size");
        if (segment < p || segment % p != 0) {
            throw parameters.invalid("segment-size", "must be a positive multiple of the page (" + p + ")");
        }
        long threshold = parameters.bytes("segment-threshold");
        if (threshold > segment) {
            throw parameters.invalid("segment-threshold", "must not exceed segment-size (" + segment + ")");
        }
        long small = parameters.bytes("small-segment-size");
        if (small != 0 && (!Sizes.isPowerOfTwo(small) || small % vmPage != 0 || small < 4 * CommonAllocator.SMALL_MAX)) {
            throw parameters.invalid("small-segment-size", "must be 0 or a power-of-two multiple of the virtual memory's"
                    + " page (" + vmPage + ") of at least " + 4 * CommonAllocator.SMALL_MAX + " bytes");
        }
        long limit = parameters.count("try-next-limit");
        if (limit > CommonAllocator.SMALL_CLASSES) {
            throw parameters.invalid("try-next-limit", "must be at most " + CommonAllocator.SMALL_CLASSES);
        }
        var mode = CommonAllocator.ThreadsMode.valueOf(
                parameters.choice("threads-mode").replace('-', '_').toUpperCase(Locale.ROOT));
        long cache = parameters.bytes("commit-cache");
        return new CommonAllocator(Dsmalloc.cached(vm, cache, parameters), segment, p, threshold, small, mode,
                (int) limit, cache > 0);
    }
}
