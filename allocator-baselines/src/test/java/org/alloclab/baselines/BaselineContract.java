package org.alloclab.baselines;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/**
 * The contract for a baseline, created by name as the harness does. A baseline ignores the virtual
 * memory it is given, so one kind ({@code os}) is enough; it can tell a pointer into a block from a
 * block, so the interior-pointer cases run.
 */
abstract class BaselineContract extends AllocatorContract {

    /** The strategy's name. */
    abstract String strategy();

    /** Its parameters. */
    Map<String, ?> parameters() {
        return Map.of();
    }

    @Override
    protected final Allocator create(VirtualMemory vm) {
        return Registry.strategies().get(strategy()).create(parameters(), vm);
    }

    @Override
    protected List<String> virtualMemories() {
        return List.of("os");
    }

    @Override
    protected boolean detectsInteriorPointers() {
        return true;
    }
}
