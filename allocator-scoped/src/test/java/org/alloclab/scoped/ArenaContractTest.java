package org.alloclab.scoped;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code arena}, with small chunks and a small pool so chunks are taken, recycled and released often. */
class ArenaContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("arena").create(Map.of("chunk-size", "4KiB", "max-chunk-size", "16KiB",
                "retain", "24KiB"), vm);
    }
}
