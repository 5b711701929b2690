package org.alloclab.scoped;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code linear.atomic}: a bump allocator threads share through a compare-and-set top, committing on demand. */
public final class AtomicLinearProvider implements AllocatorProvider {

    @Override
    public String name() {
        return AtomicLinearAllocator.NAME;
    }

    @Override
    public String description() {
        return "thread-safe bump allocator: an atomic top many threads advance at once, pages committed safely as"
                + " they cross them; reset when no thread allocates";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("reserve", "1GiB", "address space reserved at creation: the most it can hand out"),
                ParameterSpec.bytes("commit-step", "64KiB", "bytes committed at a time as the top advances (rounded up to pages)"),
                ParameterSpec.bytes("slack", "1MiB", "bytes kept committed across a reset; the rest is decommitted"),
                ParameterSpec.bytes("thread-buffer", "0", "0: every allocation advances the shared top; else each thread claims"
                        + " this many bytes at a time and bumps inside them alone (one atomic per buffer, not per block)"));
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
        return new AtomicLinearAllocator(vm, reserve, step, parameters.bytes("slack"), parameters.bytes("thread-buffer"));
    }
}
