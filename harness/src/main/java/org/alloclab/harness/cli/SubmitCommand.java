package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.harness.cells.CellExecutor;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.cells.Slurm;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Environment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alloclab submit --slurm}: an experiment's cells as a Slurm job array. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Plan an experiment into DIR, make its workloads' operations, write a Slurm job-array script (one"
                + " task per cell, each running 'alloclab cell DIR N') and submit it with sbatch. Prints the job id.",
                "'alloclab collect DIR' merges the cells that have finished and renders the report; run it again later"
                        + " and it updates them. The cluster's nodes must see DIR, the JDK and alloclab at the same paths."})
public final class SubmitCommand implements Callable<Integer> {

    @Option(names = "--slurm", required = true, description = "submit to Slurm (the one scheduler alloclab knows)")
    boolean slurm;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON configuration (default: the built-in one)")
    Path config;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "the experiment's folder, on a file system the nodes share (default: a new folder under the"
                    + " configuration's output)")
    Path out;

    @Option(names = {"-p", "--partition"}, paramLabel = "P", description = "the partition (default: the cluster's)")
    String partition;

    @Option(names = {"-t", "--time"}, paramLabel = "HH:MM:SS", description = "each task's time limit (default: the partition's)")
    String time;

    @Option(names = "--cpus-per-task", paramLabel = "N", description = "CPUs per task (default: the cluster's)")
    Integer cpusPerTask;

    @Option(names = "--throttle", paramLabel = "K", description = "at most K tasks at once (the array's %K)")
    Integer throttle;

    @Option(names = "--exclusive", description = "a node per task, so no task's timings are contended by another's")
    boolean exclusive;

    @Option(names = "--no-submit", description = "only write the plan and the script, for a person to read and submit")
    boolean noSubmit;

    @Option(names = "--wait", description = "wait until every task has ended, then collect")
    boolean waitForJobs;

    @Mixin
    ExecutionOptions execution;

    private final ExperimentLoader loader;
    private final PrintStream console;
    private final List<String> arguments;

    /** The command. */
    @Inject
    public SubmitCommand(ExperimentLoader loader, PrintStream console, @Named("arguments") List<String> arguments) {
        this.loader = loader;
        this.console = console;
        this.arguments = arguments;
    }

    @Override
    public Integer call() {
        var options = new Slurm.Options(partition, time, cpusPerTask, throttle, exclusive);
        if (execution.jobs != null) {
            throw new IllegalArgumentException("--jobs is for local runs; on Slurm, --throttle limits the tasks at once");
        }
        if (!noSubmit && !Slurm.available()) {
            throw new IllegalArgumentException("sbatch is not on the PATH: this machine is not a Slurm login node"
                    + " (Debian: apt-get install slurm-client); --no-submit writes the script without submitting it");
        }
        if (noSubmit && waitForJobs) {
            throw new IllegalArgumentException("--wait waits for submitted jobs; it cannot be combined with --no-submit");
        }
        Experiment experiment = execution.apply(config == null ? loader.loadDefault() : loader.load(config));
        Path folder = (out != null ? out : newFolder(experiment.output())).toAbsolutePath().normalize();
        if (Plan.isIn(folder)) {
            throw new IllegalArgumentException(folder + " already holds an experiment; 'alloclab collect " + folder
                    + "' merges its results, or name another folder with --out");
        }
        var command = new ArrayList<String>();
        command.add("alloclab");
        command.addAll(arguments);
        Plan plan = Plan.of(experiment, command, Environment.describe());
        plan.write(folder);
        plan = new CellExecutor(loader, console).prepare(folder, plan);
        plan.write(folder);
        Path script = Slurm.writeScript(folder, plan, options, Path.of("").toAbsolutePath());
        console.printf("alloclab: %d cells planned in %s%n", plan.cells().size(), folder);
        console.println("Job script: " + script);
        if (noSubmit) {
            console.println("Not submitted. To submit: sbatch --array=0-" + (Math.min(plan.cells().size(), 1000) - 1)
                    + (throttle == null ? "" : "%" + throttle) + " " + script
                    + (plan.cells().size() > 1000 ? "  (and the further parts the script's comment names)" : ""));
            console.println("Then: alloclab collect " + folder);
            return 0;
        }
        List<Slurm.Job> jobs = Slurm.submit(folder, plan, script, options);
        for (Slurm.Job j : jobs) {
            console.printf("Submitted job %s: cells %d to %d%n", j.id(), j.offset(), j.offset() + j.tasks() - 1);
        }
        if (!waitForJobs) {
            console.println("'alloclab collect " + folder + "' merges the cells that have finished and writes the report.");
            return 0;
        }
        return CollectCommand.waitAndCollect(folder, plan, jobs, console);
    }

    private static Path newFolder(Path parent) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path folder = parent.resolve(stamp + "-slurm");
        for (int i = 2; Files.exists(folder); i++) {
            folder = parent.resolve(stamp + "-slurm-" + i);
        }
        return folder;
    }
}
