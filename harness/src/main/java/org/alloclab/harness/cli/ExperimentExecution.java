package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.harness.Main;
import org.alloclab.harness.cells.Cell;
import org.alloclab.harness.cells.CellExecutor;
import org.alloclab.harness.cells.Merge;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.report.ReportWriter;
import org.alloclab.harness.run.Environment;
import org.alloclab.harness.run.Schema;
import org.alloclab.harness.run.SummaryTable;

/**
 * What {@code run}, {@code replay} and {@code run --resume} share once they have a checked experiment: plan
 * its cells into a folder, make its workloads' operations, run the cells, print the summary, write the report.
 */
final class ExperimentExecution {

    private ExperimentExecution() {
    }

    /**
     * Runs {@code experiment} into {@code out} (or a new folder named by the time under the experiment's
     * output), prints the summary, and returns the exit code: 0, or {@link Main#FAILED} when a cell failed.
     *
     * @throws IllegalArgumentException when {@code out} already holds an experiment (use --resume)
     */
    static int execute(Experiment experiment, Path out, ExperimentLoader loader, PrintStream console, List<String> arguments) {
        Path folder = out != null ? out : newFolder(experiment.output());
        if (Plan.isIn(folder) || Files.isRegularFile(folder.resolve("results.json"))) {
            throw new IllegalArgumentException(folder + " already holds an experiment's results; 'alloclab run --resume "
                    + folder + "' finishes it, or name another folder with --out");
        }
        Experiment.Execution x = experiment.execution();
        if (x.jobs() > 1 && !x.fork()) {
            throw new IllegalArgumentException("--jobs " + x.jobs() + " runs cells in JVMs of their own; it cannot be"
                    + " combined with fork = false or --in-process");
        }
        int cells = experiment.strategies().size() * experiment.workloads().size() * experiment.virtualMemories().size()
                * experiment.threads().size() * x.repetitions();
        console.printf("alloclab: %d strateg%s × %d workload%s × %d virtual memor%s%s × %d repetition%s = %d cells, seed %d"
                        + " (%s); %s%n",
                experiment.strategies().size(), experiment.strategies().size() == 1 ? "y" : "ies",
                experiment.workloads().size(), experiment.workloads().size() == 1 ? "" : "s",
                experiment.virtualMemories().size(), experiment.virtualMemories().size() == 1 ? "y" : "ies",
                experiment.threads().equals(List.of(1)) ? "" : " × threads " + experiment.threads(),
                x.repetitions(), x.repetitions() == 1 ? "" : "s", cells, experiment.seed(), experiment.source(),
                x.fork() ? "a JVM per cell" + (x.jobs() > 1 ? ", " + x.jobs() + " at once (timings contended)" : "")
                        : "every cell in this JVM (--in-process)");
        var command = new ArrayList<String>();
        command.add("alloclab");
        command.addAll(arguments);
        var executor = new CellExecutor(loader, console);
        Plan plan = Plan.of(experiment, command, Environment.describe());
        plan.write(folder);
        plan = executor.prepare(folder, plan);
        plan.write(folder);
        Merge.Status status = executor.run(folder, plan, plan.runOrder(), x.fork(), x.jobs());
        return finish(folder, status, console);
    }

    /** Runs the cells of the experiment in {@code folder} that have no finished result, then as {@link #execute}. */
    static int resume(Path folder, ExperimentLoader loader, PrintStream console, Boolean inProcess, Integer jobs) {
        Plan plan = Plan.read(folder);
        var executor = new CellExecutor(loader, console);
        plan = executor.prepare(folder, plan);
        List<Cell> cells = CellExecutor.unfinished(folder, plan);
        boolean fork = inProcess != null ? !inProcess : plan.fork();
        int n = jobs != null ? jobs : 1;
        console.printf("alloclab: resuming %s: %d of %d cells to run; %s%n", folder, cells.size(), plan.cells().size(),
                fork ? "a JVM per cell" + (n > 1 ? ", " + n + " at once (timings contended)" : "") : "every cell in this JVM");
        Merge.Status status = cells.isEmpty() ? Merge.write(folder) : executor.run(folder, plan, cells, fork, n);
        return finish(folder, status, console);
    }

    /** Prints the summary and where the results and report are; the exit code. */
    static int finish(Path folder, Merge.Status status, PrintStream console) {
        Map<String, Object> results = SummaryTable.read(folder);
        console.println();
        console.print(SummaryTable.render(results));
        console.println();
        if (results.get(Schema.ENVIRONMENT) instanceof Map<?, ?> env) {
            console.printf("Latency: one call in %s timed; each figure includes the timer's own cost, about %s ns here.%n",
                    results.get(Schema.LATENCY_SAMPLING), env.get(Schema.TIMER_OVERHEAD_NS));
        }
        Object n = results.get(Schema.REPETITIONS);
        console.println(Integer.valueOf(1).equals(n) ? "One repetition per cell: Mops/s has no interval (--repetitions N gives"
                + " medians with 95% confidence intervals)."
                : "Latencies and Mops/s are medians of " + n + " repetitions, each measured in a cell of its own; 95% CI is"
                + " the confidence interval of the throughput.");
        if (SummaryTable.threaded(results)) {
            console.println("With several threads: throughput is all threads' operations per second of wall time, and a"
                    + " strategy that is not thread-safe runs behind one lock ([locking]).");
        }
        String held = SummaryTable.heldBack(results);
        if (!held.isEmpty()) {
            console.print(held);
        }
        console.println("Results: " + folder.resolve("results.json").toAbsolutePath().normalize());
        try {
            console.println("Report:  " + ReportWriter.write(folder).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            console.println("The report could not be written (" + e.getMessage() + "); 'alloclab report " + folder
                    + "' tries again from the results.");
            return Main.FAILED;
        }
        if (!status.complete()) {
            console.println(status.describe() + "; their reasons are in results.json and the report. 'alloclab run --resume "
                    + folder + "' runs again those that did not finish.");
            return Main.FAILED;
        }
        return 0;
    }

    private static Path newFolder(Path parent) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path folder = parent.resolve(stamp);
        for (int i = 2; Files.exists(folder); i++) {
            folder = parent.resolve(stamp + "-" + i);
        }
        return folder;
    }
}
