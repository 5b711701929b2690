package org.alloclab.scoped;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code arena}: blocks bumped out of linked chunks, all freed at once by a reset; chunks recycled. */
public final class ArenaProvider implements AllocatorProvider {

    @Override
    public String name() {
        return ArenaAllocator.NAME;
    }

    @Override
    public String description() {
        return "arena (region): blocks bumped out of chunks linked as it grows, all freed at once by reset, chunks"
                + " recycled across resets";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("chunk-size", "64KiB", "the first chunk; each new chunk doubles the last, up to max-chunk-size"),
                ParameterSpec.bytes("max-chunk-size", "1MiB", "the largest chunk growth makes; a larger request gets a chunk of its own"),
                ParameterSpec.bytes("retain", "64MiB", "bytes of chunks kept, committed and empty, across a reset; the rest is released"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long first = parameters.bytes("chunk-size");
        long max = parameters.bytes("max-chunk-size");
        if (first < 1) {
            throw parameters.invalid("chunk-size", "must be at least one byte");
        }
        if (max < first) {
            throw parameters.invalid("max-chunk-size", "must be at least chunk-size (" + first + " bytes)");
        }
        return new ArenaAllocator(vm, first, max, parameters.bytes("retain"));
    }
}
