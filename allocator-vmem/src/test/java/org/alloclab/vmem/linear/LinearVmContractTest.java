package org.alloclab.vmem.linear;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code linear.vm}, with a small commit step and slack so commits and decommits happen often. */
class LinearVmContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("linear.vm")
                .create(Map.of("reserve", "16MiB", "commit-step", "8KiB", "slack", "4KiB"), vm);
    }
}
