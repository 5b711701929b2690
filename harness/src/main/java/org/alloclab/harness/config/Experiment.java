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
 * @param maxRequest      the largest request the harness sends to an allocator, in bytes, resolved on this
 *                        machine (a percentage of its physical memory is resolved again by each cell's JVM)
 * @param heapMapAt       when one-thread replays take a heap map: {@code Replayer.HEAP_MAP_AT_PEAK} (-1),
 *                        never (0), or after this fraction of the operations
 * @param threads         the thread counts to run every workload with, each a run of its own (a sweep);
 *                        {@code [1]} by default
 * @param execution       how the cells of the experiment run: repetitions, a JVM each, time limit, jobs
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
        long maxRequest,
        double heapMapAt,
        List<Integer> threads,
        Execution execution,
        Path output,
        List<VirtualMemorySpec> virtualMemories,
        List<StrategySpec> strategies,
        List<WorkloadSpec> workloads,
        Map<String, Object> rendered) {

    /**
     * How an experiment's cells run (see {@code org.alloclab.harness.cells}).
     *
     * @param repetitions times every strategy × virtual memory × workload × threads is measured, each a cell
     * @param fork        whether each cell runs in a JVM of its own (the default) or all in this one
     * @param jvmArgs     options given to every cell's JVM before alloclab's own
     * @param cellTimeout how long a forked cell may run before it is killed and recorded as timed out
     * @param jobs        cells run at once; above 1 their timings are contended, and marked so
     * @param measuredReplays replays a cell measures after its warm-ups; it reports the one whose time is the median
     */
    public record Execution(int repetitions, boolean fork, List<String> jvmArgs, java.time.Duration cellTimeout, int jobs,
                            int measuredReplays) {

        /** One repetition in this JVM: what a test or a debugging session wants. */
        public static final Execution IN_PROCESS_ONCE = new Execution(1, false, List.of(), java.time.Duration.ofMinutes(10), 1,
                1);

        /** These settings with {@code repetitions}. */
        public Execution withRepetitions(int n) {
            return new Execution(n, fork, jvmArgs, cellTimeout, jobs, measuredReplays);
        }

        /** These settings with {@code fork}. */
        public Execution withFork(boolean f) {
            return new Execution(repetitions, f, jvmArgs, cellTimeout, jobs, measuredReplays);
        }

        /** These settings with {@code jobs}. */
        public Execution withJobs(int n) {
            return new Execution(repetitions, fork, jvmArgs, cellTimeout, n, measuredReplays);
        }

        /** These settings with a time limit per cell. */
        public Execution withCellTimeout(java.time.Duration limit) {
            return new Execution(repetitions, fork, jvmArgs, limit, jobs, measuredReplays);
        }
    }

    /** This experiment run as {@code e} says. */
    public Experiment withExecution(Execution e) {
        return new Experiment(source, seed, warmupRuns, latencySampling, touch, maxRequest, heapMapAt, threads, e, output,
                virtualMemories, strategies, workloads, rendered);
    }

    /**
     * This experiment sending no request above {@code bytes}, written {@code as} in the configuration its cells
     * carry (so a percentage is resolved again on the machine that runs each cell).
     */
    public Experiment withMaxRequest(long bytes, String as) {
        var changed = new java.util.LinkedHashMap<String, Object>(rendered);
        changed.put("max-request", as);
        return new Experiment(source, seed, warmupRuns, latencySampling, touch, bytes, heapMapAt, threads, execution,
                output, virtualMemories, strategies, workloads, java.util.Collections.unmodifiableMap(changed));
    }

    /**
     * A virtual memory kind, its parameters, and its label in results: the kind, followed by the values a
     * sweep varied ({@code simulated page-size=64KiB}). {@code definition} is this variant as a
     * configuration writes it ({@code { kind = os, os { granularity = 64KiB } }}), so a cell can carry it.
     */
    public record VirtualMemorySpec(String label, VirtualMemoryProvider provider, Parameters parameters,
                                    Map<String, Object> definition) {
        /** The kind's name. */
        public String kind() {
            return provider.name();
        }
    }

    /**
     * A strategy, its parameters, the label it has in reports, and the layers it runs in, innermost first
     * (its own, then the experiment's). {@code definition} is this variant as one entry of a configuration's
     * {@code strategies} list writes it (name, label, parameters, every layer), so a cell can carry it.
     */
    public record StrategySpec(String label, AllocatorProvider provider, Parameters parameters, List<LayerSpec> layers,
                               Map<String, Object> definition) {

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

    /**
     * A workload: its type's provider, its name, its parameters, and the seed its operations are generated
     * from, derived from the experiment's seed and the workload's own definition (type and parameters, not
     * its place in the list), so the same seed and the same workload give the same operations in any
     * experiment. {@code definition} is this variant as one entry of {@code workloads} writes it.
     */
    public record WorkloadSpec(String name, WorkloadProvider provider, Parameters parameters, long seed,
                               Map<String, Object> definition) {
    }
}
