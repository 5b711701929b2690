package org.alloclab.dsmalloc;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;
import org.alloclab.vmem.CommitCache;

/**
 * The contract for {@code dsmalloc} over a small commit cache (16 pages), so that decommitted pages are
 * cached, evicted and handed back all the time: the strategy must not be able to tell the cache is there.
 */
class DsmallocOverCommitCacheContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("dsmalloc")
                .create(Map.of("segment-size", "64KiB", "segment-threshold", "16KiB"), new CommitCache(vm, 16 * vm.pageSize()));
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }

}
