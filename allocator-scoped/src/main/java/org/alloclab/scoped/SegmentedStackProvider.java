package org.alloclab.scoped;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code stack}: a stack-frame allocator growing by segments, which it keeps until it is closed. */
public final class SegmentedStackProvider implements AllocatorProvider {

    @Override
    public String name() {
        return SegmentedStackAllocator.NAME;
    }

    @Override
    public String description() {
        return "stack-frame allocator growing by segments: push a frame, allocate, pop back to it; never fails while"
                + " memory lasts, segments reused until it is closed";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.bytes("segment-size", "1MiB",
                "bytes of a segment (a larger request gets a segment of its own size)"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long size = parameters.bytes("segment-size");
        if (size < 1) {
            throw parameters.invalid("segment-size", "must be at least one byte");
        }
        return new SegmentedStackAllocator(vm, size);
    }
}
