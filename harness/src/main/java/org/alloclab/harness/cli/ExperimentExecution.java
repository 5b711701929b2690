package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import com.google.inject.Injector;
import org.alloclab.harness.ExperimentModule;
import org.alloclab.harness.Main;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.run.ExperimentRunner;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.run.SummaryTable;

/** What {@code run} and {@code replay} share once they have a checked experiment: run it and report. */
final class ExperimentExecution {

    private ExperimentExecution() {
    }

    /**
     * Runs {@code experiment} into {@code out} (or a new folder named by the time under the experiment's
     * output), prints the summary, and returns the exit code: 0, or {@link Main#FAILED} when a run failed.
     */
    static int execute(Experiment experiment, Path out, Injector injector, PrintStream console, List<String> arguments) {
        Path folder = out != null ? out : newFolder(experiment.output());
        boolean oneThread = experiment.threads().equals(List.of(1));
        console.printf("alloclab: %d strateg%s × %d workload%s × %d virtual memor%s%s, seed %d (%s)%n",
                experiment.strategies().size(), experiment.strategies().size() == 1 ? "y" : "ies",
                experiment.workloads().size(), experiment.workloads().size() == 1 ? "" : "s",
                experiment.virtualMemories().size(), experiment.virtualMemories().size() == 1 ? "y" : "ies",
                oneThread ? "" : " × threads " + experiment.threads(), experiment.seed(), experiment.source());
        var command = new ArrayList<String>();
        command.add("alloclab");
        command.addAll(arguments);
        ExperimentRunner runner = injector.createChildInjector(new ExperimentModule(experiment, folder, command))
                .getInstance(ExperimentRunner.class);
        List<RunResult> results = runner.run();
        console.println();
        console.print(SummaryTable.render(results));
        console.println();
        console.printf("Latency: one call in %d timed; each figure includes the timer's own cost, about %s ns here.%n",
                experiment.latencySampling(), runner.environment().get("timer_overhead_ns"));
        if (!oneThread) {
            console.println("With several threads: throughput is all threads' operations per second of wall time, peak live"
                    + " is sampled, and a strategy that is not thread-safe runs behind one lock ([locking]).");
        }
        console.println("Results: " + runner.resultsFile());
        try {
            console.println("Report:  " + org.alloclab.harness.report.ReportWriter.write(folder).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            console.println("The report could not be written (" + e.getMessage() + "); 'alloclab report " + folder
                    + "' tries again from the results.");
        }
        int expected = experiment.strategies().size() * experiment.workloads().size() * experiment.virtualMemories().size()
                * experiment.threads().size();
        if (results.size() < expected) {
            console.println((expected - results.size()) + " of " + expected + " runs failed; their errors are in results.json");
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
