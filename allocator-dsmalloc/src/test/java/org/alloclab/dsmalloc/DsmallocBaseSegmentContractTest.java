package org.alloclab.dsmalloc;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code dsmalloc} over one 4 MiB base segment that it never grows past. */
class DsmallocBaseSegmentContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("dsmalloc").create(Map.of("base-segment", "4MiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
