package org.alloclab.scoped;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;
import org.alloclab.vmem.linear.LinearAllocator;

/**
 * {@code stack.vm}: the VM-aware single-segment stack. It reserves an upper bound once and commits pages as
 * the top advances; neither popping a frame nor a reset decommits, so a frame loop makes no system call once
 * it has grown. {@link LinearAllocator#decommitSlack(long)} gives back all but {@code keep} bytes above the
 * top when its owner decides. Frames are objects popped only in order.
 */
public final class VmStackProvider implements AllocatorProvider {

    /** The stable name. */
    public static final String NAME = "stack.vm";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "VM-aware single-segment stack: reserves an upper bound once, commits on demand, never decommits on pop"
                + " or reset; decommitSlack(keep) gives back the rest";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("reserve", "1GiB", "address space reserved once: the most the stack can hold"),
                ParameterSpec.bytes("commit-step", "64KiB", "bytes committed at a time as the top advances (rounded up to pages)"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        long reserve = parameters.bytes("reserve");
        if (reserve < 1) {
            throw parameters.invalid("reserve", "must be at least one byte");
        }
        long step = parameters.bytes("commit-step");
        if (step < 1) {
            throw parameters.invalid("commit-step", "must be at least one byte");
        }
        return LinearAllocator.onDemand(NAME, vm, reserve, step, reserve);      // slack = everything: never decommit
    }
}
