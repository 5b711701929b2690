package org.alloclab.vmem.linear;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code linear}, with a buffer small enough that the model-based runs also reach its
 * end: running out of buffer is the exhaustion a fixed buffer has.
 */
class LinearContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("linear").create(Map.of("capacity", "512KiB"), vm);
    }
}
