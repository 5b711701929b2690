package org.alloclab.scoped;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code stack}, with small segments so frames span segments and blocks get segments of their own. */
class SegmentedStackContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("stack").create(Map.of("segment-size", "8KiB"), vm);
    }
}
