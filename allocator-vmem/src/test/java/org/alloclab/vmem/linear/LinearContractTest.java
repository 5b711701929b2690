package org.alloclab.vmem.linear;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for {@code linear}. Its buffer is committed at creation, so it is kept below the
 * contract's exhaustion budget; running out of buffer is then the exhaustion the contract sees.
 */
class LinearContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("linear").create(Map.of("capacity", "512KiB"), vm);
    }
}
