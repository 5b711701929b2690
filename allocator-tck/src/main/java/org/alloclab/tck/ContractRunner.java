package org.alloclab.tck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the whole {@link AllocatorContract} against one strategy, outside a build: what
 * {@code alloclab check --strategy NAME [--tries N] [--seed S]} does.
 * <pre>{@code
 * ContractReport report = ContractRunner.forStrategy("linear", Map.of("capacity", "16MiB"))
 *         .tries(200).seed(42).run();
 * System.out.print(report.summary());
 * }</pre>
 * The strategy is found by name through {@link Registry#strategies()}; the contract runs on the JUnit
 * Platform {@code Launcher} (engine {@code junit-jupiter}) as {@link SelectedStrategyContract}, with
 * tries, seed, run length and virtual memories passed as {@link ContractSettings} configuration
 * parameters. Each property's tries, seed, failure message and shrunk sample are read back from the
 * report entries it publishes. A runner is a one-shot builder; {@link #run()} may be called again.
 */
public final class ContractRunner {

    private static final Map<String, Function<VirtualMemory, Allocator>> RUNS = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> INTERIOR = new ConcurrentHashMap<>();

    private final String label;
    private final Function<VirtualMemory, Allocator> factory;
    private Integer tries;
    private Long seed;
    private Integer maxSteps;
    private List<String> virtualMemories = List.of();
    private boolean interiorPointers;

    private ContractRunner(String label, Function<VirtualMemory, Allocator> factory) {
        this.label = label;
        this.factory = factory;
    }

    /**
     * A runner for the strategy called {@code name} with {@code parameters} as a user writes them.
     *
     * @throws IllegalArgumentException naming the strategy or parameter when one is unknown or invalid
     */
    public static ContractRunner forStrategy(String name, Map<String, ?> parameters) {
        AllocatorProvider provider = Registry.strategies().get(name);
        Parameters resolved = provider.resolve(parameters);
        return new ContractRunner(name, vm -> provider.create(resolved, vm));
    }

    /** A runner for the strategy called {@code name} with its default parameters. */
    public static ContractRunner forStrategy(String name) {
        return forStrategy(name, Map.of());
    }

    /** A runner for allocators made by {@code factory}, reported as {@code label}. */
    public static ContractRunner forFactory(String label, Function<VirtualMemory, Allocator> factory) {
        return new ContractRunner(Objects.requireNonNull(label), Objects.requireNonNull(factory));
    }

    /** Tries of the model-based run per virtual memory (the other properties make fewer). */
    public ContractRunner tries(int tries) {
        if (tries < 1) {
            throw new IllegalArgumentException("tries must be at least 1, was " + tries);
        }
        this.tries = tries;
        return this;
    }

    /** The seed; without one a random seed is drawn and reported. */
    public ContractRunner seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The longest model-based run, in steps. */
    public ContractRunner maxSteps(int maxSteps) {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be at least 1, was " + maxSteps);
        }
        this.maxSteps = maxSteps;
        return this;
    }

    /**
     * Whether the allocators tell a pointer into a block from a block, so the interior-pointer cases of
     * {@code doubleFreeAndInteriorPointers} are run too (see {@link AllocatorContract#detectsInteriorPointers()}).
     */
    public ContractRunner interiorPointers(boolean detected) {
        this.interiorPointers = detected;
        return this;
    }

    /** The virtual memories to run over, by provider name (default {@code simulated} and {@code os}). */
    public ContractRunner virtualMemories(List<String> names) {
        this.virtualMemories = List.copyOf(names);
        return this;
    }

    /** Runs every property and reports each. */
    public ContractReport run() {
        long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        String id = UUID.randomUUID().toString();
        var config = new LinkedHashMap<String, String>();
        config.put(ContractSettings.RUN, id);
        config.put(ContractSettings.SEED, Long.toString(runSeed));
        if (tries != null) {
            config.put(ContractSettings.TRIES, tries.toString());
        }
        if (maxSteps != null) {
            config.put(ContractSettings.MAX_STEPS, maxSteps.toString());
        }
        if (!virtualMemories.isEmpty()) {
            config.put(ContractSettings.VIRTUAL_MEMORIES, String.join(",", virtualMemories));
        }
        var request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(SelectedStrategyContract.class))
                .filters(EngineFilter.includeEngines("junit-jupiter"))
                .configurationParameters(config)
                .build();
        var listener = new Listener(runSeed);
        long start = System.nanoTime();
        RUNS.put(id, factory);
        INTERIOR.put(id, interiorPointers);
        try {
            LauncherFactory.create().execute(request, listener);
        } finally {
            RUNS.remove(id);
            INTERIOR.remove(id);
        }
        return new ContractReport(label, runSeed, listener.results, (System.nanoTime() - start) / 1e9);
    }

    /** Whether the run in progress said its allocators detect interior pointers. */
    static boolean interiorPointers(String run) {
        return INTERIOR.getOrDefault(run, false);
    }

    /** The factory of a run in progress, or null. */
    static Function<VirtualMemory, Allocator> factory(String run) {
        return RUNS.get(run);
    }

    /** Collects each property's outcome and report entries. */
    private static final class Listener implements TestExecutionListener {
        private final long seed;
        private final Map<UniqueId, Long> started = new HashMap<>();
        private final Map<UniqueId, Map<String, String>> entries = new HashMap<>();
        private final List<PropertyResult> results = new ArrayList<>();

        Listener(long seed) {
            this.seed = seed;
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueIdObject(), System.nanoTime());
        }

        @Override
        public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
            entries.computeIfAbsent(id.getUniqueIdObject(), k -> new LinkedHashMap<>()).putAll(entry.getKeyValuePairs());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            if (id.isTest() || id.getSource().isPresent()) {
                results.add(result(id, PropertyResult.Status.SKIPPED, reason, 0));
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Long t0 = started.get(id.getUniqueIdObject());
            double seconds = t0 == null ? 0 : (System.nanoTime() - t0) / 1e9;
            boolean failed = result.getStatus() == TestExecutionResult.Status.FAILED;
            if (!id.isTest() && !failed) {
                return; // containers report through their tests, unless they themselves failed
            }
            String message = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
            PropertyResult.Status status = switch (result.getStatus()) {
                case SUCCESSFUL -> PropertyResult.Status.PASSED;
                case ABORTED -> PropertyResult.Status.SKIPPED;
                case FAILED -> PropertyResult.Status.FAILED;
            };
            Map<String, String> e = entries.getOrDefault(id.getUniqueIdObject(), Map.of());
            if (status == PropertyResult.Status.FAILED && e.containsKey(AllocatorContract.ENTRY_FAILURE)) {
                message = e.get(AllocatorContract.ENTRY_FAILURE);
            }
            results.add(result(id, status, message, seconds));
        }

        private PropertyResult result(TestIdentifier id, PropertyResult.Status status, String message, double seconds) {
            Map<String, String> e = entries.getOrDefault(id.getUniqueIdObject(), Map.of());
            String name = e.getOrDefault(AllocatorContract.ENTRY_PROPERTY, id.getDisplayName());
            int tries = Integer.parseInt(e.getOrDefault(AllocatorContract.ENTRY_TRIES, "0"));
            long s = Long.parseLong(e.getOrDefault(AllocatorContract.ENTRY_SEED, Long.toString(seed)));
            return new PropertyResult(name, status, tries, s, seconds, message == null ? "" : message,
                    e.getOrDefault(AllocatorContract.ENTRY_SAMPLE, ""), e);
        }
    }
}
