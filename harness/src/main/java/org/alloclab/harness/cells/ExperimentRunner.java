package org.alloclab.harness.cells;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Environment;
import org.alloclab.harness.run.Measurement;
import org.alloclab.harness.run.RunResult;

/**
 * An experiment run in this JVM, for a program (or a test) that wants its results as objects: the cells are
 * planned into {@code folder} as {@code alloclab run} plans them and measured one after the other here,
 * whatever the configuration says of forking, so the returned results are this JVM's. The folder gets the
 * same files as a run's ({@code plan.json}, {@code cells/}, {@code results.json}).
 */
public final class ExperimentRunner {

    private final Experiment experiment;
    private final Path folder;
    private final List<String> command;
    private final PrintStream out;
    private final ExperimentLoader loader;

    /**
     * @param loader checks each cell's configuration slice; it must know the experiment's strategies and
     *               workloads (a third party's too)
     */
    public ExperimentRunner(Experiment experiment, Path folder, List<String> command, PrintStream out, ExperimentLoader loader) {
        this.experiment = experiment;
        this.folder = folder;
        this.command = command;
        this.out = out;
        this.loader = loader;
    }

    /** Runs every cell; returns the finished ones' results in the plan's order (failed ones are only in the files). */
    public List<RunResult> run() {
        var executor = new CellExecutor(loader, out);
        Plan plan = Plan.of(experiment, command, Environment.describe());
        plan.write(folder);
        plan = executor.prepare(folder, plan);
        plan.write(folder);
        var results = new ArrayList<RunResult>();
        try (var runner = new CellRunner(loader)) {
            for (Cell c : plan.cells()) {
                CellRunner.clear(folder, c);
                var entry = runner.run(folder, c, 1, Measurement.Progress.NONE);
                out.println(c.describe() + " ... " + CellExecutor.outcome(entry));
                if (runner.last() != null) {
                    results.add(runner.last());
                }
            }
        }
        Merge.write(folder);
        return results;
    }
}
