package org.alloclab.bench;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Capability;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryProvider;

/**
 * A strategy under benchmark, made by name exactly as the harness makes it: the registered provider with
 * its default parameters, over a fresh OS virtual memory. Closing gives everything back.
 */
final class Subject implements AutoCloseable {

    final VirtualMemory vm;
    final Allocator allocator;

    private Subject(VirtualMemory vm, Allocator allocator) {
        this.vm = vm;
        this.allocator = allocator;
    }

    /**
     * The strategy {@code name} over OS virtual memory.
     *
     * @throws IllegalArgumentException naming the strategy when it is unknown or lacks {@code needs}
     */
    static Subject of(String name, Capability... needs) {
        return of(name, Map.of(), needs);
    }

    /** {@link #of(String, Capability...)} with some parameters of the strategy given. */
    static Subject of(String name, Map<String, String> parameters, Capability... needs) {
        AllocatorProvider provider = Registry.strategies().get(name);
        VirtualMemoryProvider os = Registry.virtualMemories().get("os");
        VirtualMemory vm = os.create(os.resolve(Map.of()));
        Allocator a = provider.create(provider.resolve(parameters), vm);
        for (Capability c : needs) {
            if (!a.supports(c)) {
                a.close();
                vm.close();
                throw new IllegalArgumentException("strategy " + name + " cannot be benchmarked here: it lacks " + c);
            }
        }
        return new Subject(vm, a);
    }

    @Override
    public void close() {
        allocator.close();
        vm.close();
    }
}
