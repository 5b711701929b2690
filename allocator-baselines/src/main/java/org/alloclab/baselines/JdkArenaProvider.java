package org.alloclab.baselines;

import java.util.List;
import java.util.Locale;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code jdk-arena}: one FFM {@link java.lang.foreign.Arena} per block; see {@link JdkArenaAllocator}. */
public final class JdkArenaProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public JdkArenaProvider() {
    }

    @Override
    public String name() {
        return "jdk-arena";
    }

    @Override
    public String description() {
        return "baseline: one JDK FFM Arena per block (allocate, close); committed is what the JDK asked malloc for";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.choice("arena", "shared",
                "shared: closable from any thread (thread-safe); confined: cheaper, only the allocating thread frees",
                "shared", "confined"));
    }

    /** An allocator of arenas of the chosen kind; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new JdkArenaAllocator(JdkArenaAllocator.Kind.valueOf(parameters.choice("arena").toUpperCase(Locale.ROOT)));
    }
}
