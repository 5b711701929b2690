package org.alloclab.vmem.linear;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code linear}: a bump allocator over a fixed buffer committed up front. */
public final class LinearProvider implements AllocatorProvider {

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public String description() {
        return "bump allocator over a fixed buffer committed at creation; no per-block free, reset and frames";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.bytes("capacity", "64MiB", "size of the buffer, committed at creation"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        long capacity = parameters.bytes("capacity");
        if (capacity < 1) {
            throw parameters.invalid("capacity", "must be at least one byte");
        }
        return LinearAllocator.fixed(virtualMemory, capacity);
    }
}
