package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.debug.DebugLayer;
import org.alloclab.debug.Layers;
import org.alloclab.harness.Main;
import org.alloclab.tck.ContractReport;
import org.alloclab.tck.ContractRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code alloclab check}: the contract suite against one strategy, from the command line. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Run the contract suite against a strategy: model-based runs checked after every step, the "
                + "bad-input catalogue, exhaustion and close. On a failure, prints the shrunk sequence of operations.")
public final class CheckCommand implements Callable<Integer> {

    @Option(names = {"-s", "--strategy"}, required = true, paramLabel = "NAME", description = "a strategy from 'alloclab list'")
    String strategy;

    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE", description = "a parameter of the strategy (repeatable)")
    Map<String, String> parameters = new LinkedHashMap<>();

    @Option(names = {"-l", "--layer"}, paramLabel = "LAYER[:KEY=VALUE,...]",
            description = "a layer to wrap the strategy in (repeatable, innermost first), e.g. red-zones or budget:bytes=8MiB")
    List<String> layers = new ArrayList<>();

    @Option(names = {"-t", "--tries"}, paramLabel = "N", description = "tries of the model-based run per virtual memory (default 100)")
    Integer tries;

    @Option(names = "--seed", paramLabel = "S", description = "seed; the same seed and tries repeat the same runs (default: random, printed)")
    Long seed;

    @Option(names = "--max-steps", paramLabel = "N", description = "longest model-based run, in operations (default 50)")
    Integer maxSteps;

    @Option(names = "--vm", split = ",", paramLabel = "KIND", description = "virtual memories to run over (default: simulated,os)")
    List<String> virtualMemories = List.of();

    private final Registry<AllocatorProvider> strategies;
    private final PrintStream out;

    /** The command over these strategies, printing to {@code out}. */
    @Inject
    public CheckCommand(Registry<AllocatorProvider> strategies, PrintStream out) {
        this.strategies = strategies;
        this.out = out;
    }

    @Override
    public Integer call() {
        // The runner refuses these too, but in the words of its Java API (maxSteps); a user typed the option.
        if (tries != null && tries < 1) {
            throw new IllegalArgumentException("--tries must be at least 1, was " + tries);
        }
        if (maxSteps != null && maxSteps < 1) {
            throw new IllegalArgumentException("--max-steps must be at least 1, was " + maxSteps);
        }
        strategies.get(strategy).resolve(parameters);          // unknown names fail here, before anything runs
        ContractRunner runner;
        if (layers.isEmpty()) {
            runner = ContractRunner.forStrategy(strategy, parameters);
        } else {
            AllocatorProvider provider = strategies.get(strategy);
            Parameters resolved = provider.resolve(parameters);
            java.util.function.Function<org.alloclab.api.VirtualMemory, Allocator> layered = vm -> {
                Allocator a = provider.create(resolved, vm);
                for (String layer : layers) {
                    a = Layers.wrap(a, layer, vm);
                }
                return a;
            };
            boolean interior;
            try (var probe = Registry.virtualMemories().get("simulated").create(Map.of());
                 Allocator a = layered.apply(probe)) {             // unknown layers and values fail here
                interior = a instanceof DebugLayer;               // it refuses a pointer into a block itself
            }
            runner = ContractRunner.forFactory(strategy + " in " + String.join(", ", layers), layered)
                    .interiorPointers(interior);
        }
        if (tries != null) {
            runner.tries(tries);
        }
        if (seed != null) {
            runner.seed(seed);
        }
        if (maxSteps != null) {
            runner.maxSteps(maxSteps);
        }
        if (!virtualMemories.isEmpty()) {
            virtualMemories.forEach(Registry.virtualMemories()::get);
            runner.virtualMemories(virtualMemories);
        }
        ContractReport report = runner.run();
        out.print(report.summary());
        out.printf("%s in %.1f s%n", report.passed() ? "PASSED" : "FAILED", report.seconds());
        if (!report.passed()) {
            var rerun = new StringBuilder("alloclab check --strategy ").append(strategy);
            parameters.forEach((k, v) -> rerun.append(" --param ").append(k).append('=').append(v));
            layers.forEach(l -> rerun.append(" --layer ").append(l));
            rerun.append(" --seed ").append(report.seed());
            if (tries != null) {
                rerun.append(" --tries ").append(tries);
            }
            if (maxSteps != null) {
                rerun.append(" --max-steps ").append(maxSteps);
            }
            if (!virtualMemories.isEmpty()) {
                rerun.append(" --vm ").append(String.join(",", virtualMemories));
            }
            out.println("Rerun the same tries with: " + rerun);
        }
        return report.passed() ? 0 : Main.FAILED;
    }
}
