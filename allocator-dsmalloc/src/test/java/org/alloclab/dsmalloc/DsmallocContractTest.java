package org.alloclab.dsmalloc;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code dsmalloc}, growing by small segments (64 KiB, own segments above 16 KiB) so
 * that segments are reserved and released and pages decommitted and recommitted all the time.
 */
class DsmallocContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("dsmalloc")
                .create(Map.of("segment-size", "64KiB", "segment-threshold", "16KiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
