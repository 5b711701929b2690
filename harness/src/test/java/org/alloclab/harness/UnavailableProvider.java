package org.alloclab.harness;

import java.util.List;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/** {@code test.unavailable}: a strategy whose native library this machine lacks, as a peer can be. */
public final class UnavailableProvider implements AllocatorProvider {

    /** What it says is missing. */
    static final String WHY = "test.unavailable: libnothing.so.1 cannot be loaded; install Debian's libnothing1 (apt-get install libnothing1)";

    /** For {@link java.util.ServiceLoader}. */
    public UnavailableProvider() {
    }

    @Override
    public String name() {
        return "test.unavailable";
    }

    @Override
    public String description() {
        return "test strategy that cannot run here";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Optional<String> unavailable() {
        return Optional.of(WHY);
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        throw new IllegalStateException(WHY);
    }
}
