package org.alloclab.dsmalloc;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code common} in {@code try-next} mode (one thread: the locks are taken and released
 * on every path), with a large space of small segments (256 KiB, own segments above 16 KiB) so that large
 * segments are reserved and released all the time and the address map changes with them.
 */
class CommonTryNextContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("common").create(Map.of("threads-mode", "try-next",
                "segment-size", "256KiB", "segment-threshold", "16KiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
