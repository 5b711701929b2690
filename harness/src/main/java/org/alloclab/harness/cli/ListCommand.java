package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.util.List;

import jakarta.inject.Inject;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Provider;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemoryProvider;
import org.alloclab.harness.workload.WorkloadProvider;
import picocli.CommandLine.Command;

/** {@code alloclab list}: every strategy, virtual memory, workload and layer with its parameters. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List every strategy, virtual memory, workload and layer with its parameters, defaults and documentation.")
public final class ListCommand implements Runnable {

    private final Registry<AllocatorProvider> strategies;
    private final Registry<VirtualMemoryProvider> virtualMemories;
    private final Registry<WorkloadProvider> workloads;
    private final Registry<org.alloclab.api.LayerProvider> layers;
    private final PrintStream out;

    /** The command over these registries, printing to {@code out}. */
    @Inject
    public ListCommand(Registry<AllocatorProvider> strategies, Registry<VirtualMemoryProvider> virtualMemories,
                       Registry<WorkloadProvider> workloads, Registry<org.alloclab.api.LayerProvider> layers,
                       PrintStream out) {
        this.strategies = strategies;
        this.virtualMemories = virtualMemories;
        this.workloads = workloads;
        this.layers = layers;
        this.out = out;
    }

    @Override
    public void run() {
        section("Strategies", strategies.all(), "strategies = [ { name = NAME, parameters { ... } } ]");
        section("Virtual memories", virtualMemories.all(), "virtual-memory { kind = NAME, NAME { ... } }");
        section("Workloads", workloads.all(), "workloads = [ { type = NAME, ... } ]");
        section("Layers (debugging and profiling, around any strategy)", layers.all(),
                "layers = [ NAME, { name = NAME, ... } ]  (for every strategy, or inside one strategy's entry)");
    }

    private void section(String title, List<? extends Provider> providers, String usage) {
        out.println(title + "   (in a configuration: " + usage + ")");
        out.println();
        for (Provider p : providers) {
            out.println("  " + p.name() + " — " + p.description());
            if (p instanceof AllocatorProvider a && a.unavailable().isPresent()) {
                out.println("      UNAVAILABLE here: " + a.unavailable().get());
            }
            int width = p.parameters().stream().mapToInt(s -> s.name().length()).max().orElse(0);
            for (ParameterSpec s : p.parameters()) {
                String choices = s.choices().isEmpty() ? "" : " (" + String.join(" | ", s.choices()) + ")";
                out.printf("      %-" + width + "s  = %-8s  %s%s%n", s.name(), s.defaultValue(), s.description(), choices);
            }
            out.println();
        }
    }
}
