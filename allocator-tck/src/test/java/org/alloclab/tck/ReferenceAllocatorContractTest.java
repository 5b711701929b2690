package org.alloclab.tck;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.VirtualMemory;

/** The whole contract against the reference strategy: how a strategy module uses the TCK. */
class ReferenceAllocatorContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return new ReferenceProvider().create(Map.of("capacity", "8MiB"), vm);
    }

    @Override
    protected List<String> virtualMemories() {
        return List.of("test-heap");
    }

    @Override
    protected String exhaustionVirtualMemory() {
        return "test-heap";
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
