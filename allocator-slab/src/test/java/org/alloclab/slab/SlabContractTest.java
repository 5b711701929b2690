package org.alloclab.slab;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code slab}, with small magazines and a depot of two so objects move between the
 * magazines, the depot and the slabs, and slabs empty and go back, within a try.
 */
class SlabContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("slab").create(Map.of("magazine-bytes", "64", "depot-magazines", "2",
                "area", "16MiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
