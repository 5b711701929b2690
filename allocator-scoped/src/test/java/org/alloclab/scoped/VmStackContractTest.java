package org.alloclab.scoped;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code stack.vm}, with a small reserve and commit step. */
class VmStackContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("stack.vm").create(Map.of("reserve", "16MiB", "commit-step", "8KiB"), vm);
    }
}
