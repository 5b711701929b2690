package org.alloclab.tck;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/** The contract against a strategy without FREE but with frames: held blocks and frame pops. */
class StackAllocatorContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return new StackAllocator(vm, 16 * Sizes.MiB);
    }

    @Override
    protected List<String> virtualMemories() {
        return List.of("test-heap");
    }

    @Override
    protected String exhaustionVirtualMemory() {
        return "test-heap";
    }
}
