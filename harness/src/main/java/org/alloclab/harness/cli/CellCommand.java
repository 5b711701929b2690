package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.harness.Main;
import org.alloclab.harness.cells.Cell;
import org.alloclab.harness.cells.CellExecutor;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code alloclab cell DIR ID}: one cell of a planned experiment, written into DIR; what a Slurm array task
 * runs, and (with {@code --in-process}) what a forked cell's JVM runs.
 */
@Command(name = "cell", mixinStandardHelpOptions = true,
        description = {"Measure one cell of the experiment planned in DIR (by 'alloclab submit' or 'run') and write its"
                + " result into DIR/cells/. ID is the cell's id or its number in the run order ('alloclab plan' lists them).",
                "As the plan says, the cell runs in a JVM of its own under the plan's time limit, so a crash or a hang is"
                        + " recorded as the cell's result; --in-process measures it in this JVM."})
public final class CellCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "the experiment's folder, with its plan.json")
    Path folder;

    @Parameters(index = "1", paramLabel = "ID", description = "the cell's id, or its number in the run order")
    String id;

    @Option(names = "--in-process", description = "measure the cell in this JVM (what a forked cell's JVM does)")
    boolean inProcess;

    @Option(names = "--jobs", paramLabel = "N", description = "cells measured at once beside this one, recorded with"
            + " the result (set by 'run'; default 1)")
    int jobs = 1;

    @Option(names = "--parent", paramLabel = "PID", description = "stop at once if this process ends (set by 'run' for"
            + " the JVMs it forks)")
    Long parent;

    private final ExperimentLoader loader;
    private final PrintStream out;

    /** The command, printing to {@code out}. */
    @Inject
    public CellCommand(ExperimentLoader loader, PrintStream out) {
        this.loader = loader;
        this.out = out;
    }

    @Override
    public Integer call() {
        if (parent != null) {
            org.alloclab.harness.cells.CellJvm.watchParent(parent);
        }
        Plan plan = Plan.read(folder);
        Cell cell = plan.cell(id);
        var executor = new CellExecutor(loader, out);
        Map<String, Object> entry = inProcess ? executor.runOne(folder, cell, jobs) : executor.runSupervised(folder, plan, cell);
        out.println(cell.id() + ": " + CellExecutor.outcome(entry));
        return Schema.OK.equals(entry.get(Schema.STATUS)) ? 0 : Main.FAILED;
    }
}
