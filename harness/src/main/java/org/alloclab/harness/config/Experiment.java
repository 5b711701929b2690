package org.alloclab.harness.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemoryProvider;
import org.alloclab.harness.workload.WorkloadProvider;

/**
 * A checked experiment: everything named in the configuration resolved to its provider, every parameter
 * checked and defaulted. Building one is where bad input is caught; running one only runs.
 *
 * @param source          where the configuration came from ("built-in default" or a file)
 * @param seed            the seed of every random choice
 * @param warmupRuns      untimed replays before each measured one
 * @param latencySampling one call in this many is timed (a power of two)
 * @param touch           what is written into each new block: none, first or all
 * @param heapMapAt       when one-thread replays take a heap map: {@code Replayer.HEAP_MAP_AT_PEAK} (-1),
 *                        never (0), or after this fraction of the operations
 * @param threads         the thread counts to run every workload with, each a run of its own (a sweep);
 *                        {@code [1]} by default
 * @param output          the folder under which a run's folder is made
 * @param virtualMemories the virtual memories to run on, each fresh per run
 * @param strategies      the strategies to compare
 * @param workloads       the workloads each strategy runs
 * @param rendered        the effective configuration, defaults included, as plain values for results.json
 */
public record Experiment(
        String source,
        long seed,
        int warmupRuns,
        int latencySampling,
        String touch,
        double heapMapAt,
        List<Integer> threads,
        Path output,
        List<VirtualMemorySpec> virtualMemories,
        List<StrategySpec> strategies,
        List<WorkloadSpec> workloads,
        Map<String, Object> rendered) {

    /** A virtual memory kind and its parameters. */
    /**
     * A virtual memory kind, its parameters, and its label in results: the kind, followed by the values a
     * sweep varied ({@code simulated page-size=64KiB}).
     */
    public record VirtualMemorySpec(String label, VirtualMemoryProvider provider, Parameters parameters) {
        /** The kind's name. */
        public String kind() {
            return provider.name();
        }
    }

    /**
     * A strategy, its parameters, the label it has in reports, and the layers it runs in, innermost first
     * (its own, then the experiment's).
     */
    public record StrategySpec(String label, AllocatorProvider provider, Parameters parameters, List<LayerSpec> layers) {
        /** A strategy with no layers. */
        public StrategySpec(String label, AllocatorProvider provider, Parameters parameters) {
            this(label, provider, parameters, List.of());
        }

        /** A new allocator of this strategy on {@code vm}, wrapped in its layers. */
        public org.alloclab.api.Allocator create(org.alloclab.api.VirtualMemory vm) {
            org.alloclab.api.Allocator a = provider.create(parameters, vm);
            for (LayerSpec layer : layers) {
                try {
                    a = layer.provider().wrap(a, layer.parameters(), vm);
                } catch (RuntimeException e) {
                    a.close();
                    throw e;
                }
            }
            return a;
        }
    }

    /** A layer (a debugging or profiling decorator) and its parameters. */
    public record LayerSpec(org.alloclab.api.LayerProvider provider, Parameters parameters) {
    }

    /** A workload: its type's provider, its name and its parameters. */
    public record WorkloadSpec(String name, WorkloadProvider provider, Parameters parameters) {
    }
}
