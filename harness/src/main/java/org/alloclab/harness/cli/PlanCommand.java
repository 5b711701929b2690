package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.harness.cells.Cell;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alloclab plan}: the cells an experiment expands into, in the order they run, and their count. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the cells of an experiment (strategy × virtual memory × workload × threads × repetition) in"
                + " the order they run, with their ids, and how many there are. Nothing runs.")
public final class PlanCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON configuration (default: the built-in one)")
    Path config;

    @Mixin
    ExecutionOptions execution;

    private final ExperimentLoader loader;
    private final PrintStream out;

    /** The command, printing to {@code out}. */
    @Inject
    public PlanCommand(ExperimentLoader loader, PrintStream out) {
        this.loader = loader;
        this.out = out;
    }

    @Override
    public Integer call() {
        Experiment experiment = execution.apply(config == null ? loader.loadDefault() : loader.load(config));
        Plan plan = Plan.of(experiment, List.of(), Map.of());
        List<Cell> cells = plan.runOrder();
        var rows = new ArrayList<String[]>();
        rows.add(new String[] {"#", "id", "strategy", "vm", "workload", "threads", "repetition"});
        for (Cell c : cells) {
            rows.add(new String[] {String.valueOf(c.index()), c.id(), c.strategy(), c.virtualMemory(), c.workload(),
                    String.valueOf(c.threads()), String.valueOf(c.repetition())});
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                boolean right = i == 0 || i >= 5;
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(right ? pad + r[i] : r[i] + pad).append(i + 1 < r.length ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        Experiment.Execution x = experiment.execution();
        out.printf("%d cells: %d strateg%s × %d virtual memor%s × %d workload%s × %d thread count%s × %d repetition%s,"
                        + " seed %d (%s); %s%n", cells.size(),
                experiment.strategies().size(), experiment.strategies().size() == 1 ? "y" : "ies",
                experiment.virtualMemories().size(), experiment.virtualMemories().size() == 1 ? "y" : "ies",
                experiment.workloads().size(), experiment.workloads().size() == 1 ? "" : "s",
                experiment.threads().size(), experiment.threads().size() == 1 ? "" : "s",
                x.repetitions(), x.repetitions() == 1 ? "" : "s", experiment.seed(), experiment.source(),
                x.fork() ? "each in a JVM of its own, at most " + ExecutionOptions.describe(x.cellTimeout()) : "all in one JVM");
        return 0;
    }
}
