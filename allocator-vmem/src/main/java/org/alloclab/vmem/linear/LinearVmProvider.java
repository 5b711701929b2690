package org.alloclab.vmem.linear;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code linear.vm}: a bump allocator that reserves an upper bound and commits as it advances. */
public final class LinearVmProvider implements AllocatorProvider {

    @Override
    public String name() {
        return "linear.vm";
    }

    @Override
    public String description() {
        return "bump allocator over reserved address space: commits as the top advances, decommits on reset past a slack";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("reserve", "1GiB", "address space reserved at creation: the most it can hand out"),
                ParameterSpec.bytes("commit-step", "64KiB", "bytes committed at a time as the top advances (rounded up to pages)"),
                ParameterSpec.bytes("slack", "1MiB", "bytes kept committed across a reset; the rest is decommitted"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        long reserve = parameters.bytes("reserve");
        if (reserve < 1) {
            throw parameters.invalid("reserve", "must be at least one byte");
        }
        if (parameters.bytes("commit-step") < 1) {
            throw parameters.invalid("commit-step", "must be at least one byte");
        }
        return LinearAllocator.onDemand(virtualMemory, reserve, parameters.bytes("commit-step"), parameters.bytes("slack"));
    }
}
