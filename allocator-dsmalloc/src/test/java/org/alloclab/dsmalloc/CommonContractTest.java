package org.alloclab.dsmalloc;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code common} with its default parameters: 32 MiB large segments, 64 KiB pages, page-sized small segments. */
class CommonContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("common").create(Map.of(), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
