package org.alloclab.slab;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code segregated-fit}, without thread caches: every block goes straight back to its span.
 */
class SegregatedFitWithoutCachesContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("segregated-fit").create(Map.of("thread-cache", "false",
                "max-small", "4KiB", "area", "16MiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
