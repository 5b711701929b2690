package org.alloclab.freelist;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for one {@code freelist.<policy>} strategy, created by name from the registry with a
 * 2 MiB heap: small enough that the model-based runs and the exhaustion properties reach its end.
 * Interior pointers are checked too: the boundary tags tell them from block starts.
 */
abstract class FreeListContract extends AllocatorContract {

    private final String strategy;

    FreeListContract(String strategy) {
        this.strategy = strategy;
    }

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get(strategy).create(Map.of("capacity", "2MiB"), vm);
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
