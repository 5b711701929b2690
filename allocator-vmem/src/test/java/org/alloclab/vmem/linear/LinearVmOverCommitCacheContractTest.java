package org.alloclab.vmem.linear;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;
import org.alloclab.vmem.CommitCache;

/** The contract for {@code linear.vm} over a commit cache of 8 pages: resets decommit into it, growth commits out of it. */
class LinearVmOverCommitCacheContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("linear.vm")
                .create(Map.of("reserve", "16MiB", "commit-step", "8KiB", "slack", "4KiB"), new CommitCache(vm, 8 * vm.pageSize()));
    }
}
