package org.alloclab.vmem;

import java.util.List;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryProvider;

/**
 * The provider of {@link SimulatedVirtualMemory}, named {@code simulated}.
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code page-size}</td><td>{@code 4KiB}</td><td>the page, a power of two of at least 256
 *       bytes</td></tr>
 *   <tr><td>{@code budget}</td><td>{@code 1GiB}</td><td>the physical memory: commits past it fail</td></tr>
 *   <tr><td>{@code address-space}</td><td>{@code 64GiB}</td><td>what can be reserved, a multiple of the
 *       page, at most 64 TiB</td></tr>
 *   <tr><td>{@code fail-reserve-at}</td><td>{@code 0}</td><td>the reserve call that fails (1 = the
 *       first); 0 for none</td></tr>
 *   <tr><td>{@code fail-commit-at}</td><td>{@code 0}</td><td>the commit call that fails (1 = the
 *       first); 0 for none</td></tr>
 * </table>
 */
public final class SimulatedVirtualMemoryProvider implements VirtualMemoryProvider {

    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.bytes("page-size", "4KiB", "the page, a power of two of at least 256 bytes"),
            ParameterSpec.bytes("budget", "1GiB", "the physical memory: a commit past it fails"),
            ParameterSpec.bytes("address-space", "64GiB",
                    "the address space that can be reserved, a multiple of the page, at most 64TiB"),
            ParameterSpec.count("fail-reserve-at", 0, "the reserve call that fails (1 = the first); 0 for none"),
            ParameterSpec.count("fail-commit-at", 0, "the commit call that fails (1 = the first); 0 for none"),
            CommitCache.PARAMETER);

    /** For {@link java.util.ServiceLoader}. */
    public SimulatedVirtualMemoryProvider() {
    }

    /** {@code simulated}. */
    @Override
    public String name() {
        return "simulated";
    }

    /** One line for listings. */
    @Override
    public String description() {
        return "a deterministic virtual memory: physical budget, fault injection, every uncommitted touch reported";
    }

    /** {@code page-size}, {@code budget}, {@code address-space}, {@code fail-reserve-at}, {@code fail-commit-at}. */
    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    /**
     * A new {@link SimulatedVirtualMemory}.
     *
     * @throws IllegalArgumentException naming {@code page-size} or {@code address-space} when out of range
     */
    @Override
    public VirtualMemory create(Parameters parameters) {
        long pageSize = parameters.bytes("page-size");
        long addressSpace = parameters.bytes("address-space");
        String problem = SimulatedVirtualMemory.pageSizeProblem(pageSize);
        if (problem != null) {
            throw parameters.invalid("page-size", problem);
        }
        problem = SimulatedVirtualMemory.addressSpaceProblem(addressSpace, pageSize);
        if (problem != null) {
            throw parameters.invalid("address-space", problem);
        }
        long cache = parameters.bytes("commit-cache");
        if (cache != 0 && cache < pageSize) {
            throw parameters.invalid("commit-cache", "must be 0 or at least one page (" + pageSize + " bytes)");
        }
        return CommitCache.over(new SimulatedVirtualMemory(pageSize, parameters.bytes("budget"), addressSpace,
                parameters.count("fail-reserve-at"), parameters.count("fail-commit-at")), cache);
    }
}
