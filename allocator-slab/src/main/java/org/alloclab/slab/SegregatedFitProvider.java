package org.alloclab.slab;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/** {@code segregated-fit}: size classes, spans from a page heap, per-thread caches. */
public final class SegregatedFitProvider implements AllocatorProvider {

    @Override
    public String name() {
        return SegregatedFitAllocator.NAME;
    }

    @Override
    public String description() {
        return "segregated fit (tcmalloc-style): jemalloc-spaced size classes, spans from a page heap, per-thread caches"
                + " over lock-free transfer stacks; empty spans decommitted; thread-safe";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.flag("thread-cache", true, "per-thread caches; off, every operation takes its class's lock"),
                ParameterSpec.bytes("max-small", "32KiB", "the largest request served from size classes; larger ones get"
                        + " page runs of their own"),
                ParameterSpec.bytes("batch-bytes", "16KiB", "a class moves clamp(batch-bytes / size, 2, 256) blocks at a"
                        + " time between a thread cache and the shared lists"),
                ParameterSpec.bytes("cache-bytes", "64KiB", "free blocks a thread keeps per class: max(2 batches,"
                        + " min(cache-bytes / size, 2048))"),
                ParameterSpec.bytes("transfer-bytes", "256KiB", "free blocks a class's transfer stack holds before"
                        + " batches go back to the spans"),
                ParameterSpec.bytes("area", "1GiB", "address space reserved at a time for spans"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long maxSmall = parameters.bytes("max-small");
        if (maxSmall < 128 || maxSmall > 1 << 20) {
            throw parameters.invalid("max-small", "must be from 128 bytes (the classes below are always there) to 1 MiB");
        }
        long batchBytes = parameters.bytes("batch-bytes");
        if (batchBytes < 16 || batchBytes > Sizes.MiB) {
            throw parameters.invalid("batch-bytes", "must be from 16 bytes to 1 MiB");
        }
        long cacheBytes = parameters.bytes("cache-bytes");
        if (cacheBytes < 0 || cacheBytes > Sizes.GiB) {
            throw parameters.invalid("cache-bytes", "must be from 0 to 1 GiB");
        }
        long transferBytes = parameters.bytes("transfer-bytes");
        if (transferBytes < 0 || transferBytes > Sizes.GiB) {
            throw parameters.invalid("transfer-bytes", "must be from 0 to 1 GiB");
        }
        long area = PageHeap.area(parameters, vm);
        PageHeap heap = new PageHeap(vm, area);
        SizeClasses classes = new SizeClasses(maxSmall, vm.pageSize());
        return new SegregatedFitAllocator(vm, classes, heap, parameters.flag("thread-cache"), batchBytes,
                cacheBytes, transferBytes);
    }
}
