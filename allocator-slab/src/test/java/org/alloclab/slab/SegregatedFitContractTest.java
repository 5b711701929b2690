package org.alloclab.slab;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code segregated-fit}, with small batches and transfer stacks so blocks travel between
 * the thread cache, the transfer stacks and the spans, and spans empty and go back, within a try.
 */
class SegregatedFitContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("segregated-fit").create(Map.of("batch-bytes", "64", "cache-bytes", "128", "transfer-bytes", "256",
                "max-small", "4KiB", "area", "16MiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
