package org.alloclab.tck;

import java.util.Map;
import java.util.function.Function;

import org.alloclab.api.Allocator;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryProvider;

/**
 * What a property runs against: a virtual memory (its provider and checked parameters), the strategy's
 * factory, and the range of requests to draw.
 *
 * @param vmProvider   the virtual memory's provider
 * @param vmParameters its parameters, checked
 * @param factory      creates the allocator under test over the given virtual memory
 * @param minSize      smallest size to request
 * @param maxSize      largest size to request
 * @param maxAlignment largest alignment to request
 */
record Subject(VirtualMemoryProvider vmProvider, Parameters vmParameters,
               Function<VirtualMemory, Allocator> factory, long minSize, long maxSize, long maxAlignment) {

    /**
     * @throws IllegalArgumentException naming the virtual memory or parameter when one is unknown
     */
    static Subject of(String virtualMemory, Map<String, ?> vmParameters, Function<VirtualMemory, Allocator> factory,
                      long minSize, long maxSize, long maxAlignment) {
        VirtualMemoryProvider provider = Registry.virtualMemories().get(virtualMemory);
        return new Subject(provider, provider.resolve(vmParameters), factory, minSize, maxSize, maxAlignment);
    }

    /** The virtual memory's name. */
    String virtualMemory() {
        return vmProvider.name();
    }

    /** Whether the virtual memory declares a parameter called {@code name}. */
    boolean vmHasParameter(String name) {
        return vmProvider.parameters().stream().anyMatch(p -> p.name().equals(name));
    }

    /** The same subject over a virtual memory with these parameters changed. */
    Subject withVmParameters(Map<String, ?> changes) {
        var merged = new java.util.LinkedHashMap<String, Object>(vmParameters.asMap());
        merged.putAll(changes);
        return new Subject(vmProvider, vmProvider.resolve(merged), factory, minSize, maxSize, maxAlignment);
    }

    /** A new virtual memory of this subject's kind. */
    VirtualMemory newVirtualMemory() {
        return vmProvider.create(vmParameters);
    }
}
