package org.alloclab.baselines;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract for a baseline, created by name as the harness does. A baseline ignores the virtual
 * memory it is given, so one kind ({@code os}) is enough; it can tell a pointer into a block from a
 * block, so the interior-pointer cases run.
 */
abstract class BaselineContract extends AllocatorContract {

    /** The strategy's name. */
    abstract String strategy();

    /**
     * A peer whose library this machine lacks is skipped with what to install; on CI ({@code CI=true}),
     * which installs every peer's package, it fails instead.
     */
    @BeforeEach
    final void peerAvailable() {
        Optional<String> why = Registry.strategies().get(strategy()).unavailable();
        if (why.isPresent()) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(why.get());
            }
            Assumptions.abort(why.get());
        }
    }

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
