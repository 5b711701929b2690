package org.alloclab.buddy;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code buddy}, with 64 KiB zones so zones come and go and large requests get regions. */
class BuddyContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("buddy").create(Map.of("min-order", "4", "max-order", "16"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
