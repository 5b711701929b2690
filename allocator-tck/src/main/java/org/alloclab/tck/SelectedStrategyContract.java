package org.alloclab.tck;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.Assumptions;

/**
 * The contract for whichever strategy a {@link ContractRunner} run selected. Discovered by a build's
 * test runner on its own (it lives in the main jar, where Surefire does not look, but a launcher could
 * still be pointed at it) it skips every property, since no run selected a strategy.
 */
public class SelectedStrategyContract extends AllocatorContract {

    /** Created by the JUnit Platform. */
    public SelectedStrategyContract() {
    }

    @Override
    protected Allocator create(VirtualMemory vm) {
        return ContractRunner.factory(settings().run().orElseThrow()).apply(vm);
    }

    /** What the run said ({@link ContractRunner#interiorPointers(boolean)}). */
    @Override
    protected boolean detectsInteriorPointers() {
        return settings().run().map(ContractRunner::interiorPointers).orElse(false);
    }

    /** The first selected virtual memory, unless {@code simulated} is among them. */
    @Override
    protected String exhaustionVirtualMemory() {
        List<String> selected = settings().virtualMemories();
        return selected.isEmpty() || selected.contains("simulated") ? "simulated" : selected.get(0);
    }

    @Override
    void checkRunnable() {
        if (settings().run().isEmpty() || ContractRunner.factory(settings().run().get()) == null) {
            Assumptions.abort("no strategy selected: run this class through ContractRunner");
        }
    }
}
