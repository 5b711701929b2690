package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

import com.google.inject.Injector;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.harness.ExperimentModule;
import org.alloclab.harness.Main;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.ExperimentRunner;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.run.SummaryTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code alloclab run}: an experiment from a configuration file, or the built-in default. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run an experiment: every strategy on every workload and virtual memory of the configuration "
                + "(the built-in default when no file is given). Prints a summary and writes results.json.")
public final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON configuration; see reference.conf in the README")
    Path config;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "write results into DIR (default: a new folder under the configuration's output, named by the time)")
    Path out;

    private final ExperimentLoader loader;
    private final Injector injector;
    private final PrintStream console;
    private final List<String> arguments;

    /** The command; experiments get a child injector of {@code injector}. */
    @Inject
    public RunCommand(ExperimentLoader loader, Injector injector, PrintStream console,
                      @Named("arguments") List<String> arguments) {
        this.loader = loader;
        this.injector = injector;
        this.console = console;
        this.arguments = arguments;
    }

    @Override
    public Integer call() {
        Experiment experiment = config == null ? loader.loadDefault() : loader.load(config);
        Path folder = out != null ? out : newFolder(experiment.output());
        console.printf("alloclab: %d strateg%s × %d workload%s × %d virtual memor%s, seed %d (%s)%n",
                experiment.strategies().size(), experiment.strategies().size() == 1 ? "y" : "ies",
                experiment.workloads().size(), experiment.workloads().size() == 1 ? "" : "s",
                experiment.virtualMemories().size(), experiment.virtualMemories().size() == 1 ? "y" : "ies",
                experiment.seed(), experiment.source());
        var command = new java.util.ArrayList<String>();
        command.add("alloclab");
        command.addAll(arguments);
        ExperimentRunner runner = injector.createChildInjector(new ExperimentModule(experiment, folder, command))
                .getInstance(ExperimentRunner.class);
        List<RunResult> results = runner.run();
        console.println();
        console.print(SummaryTable.render(results));
        console.println();
        console.printf("Latencies include the timer's own cost, about %s ns per operation on this machine.%n",
                runner.environment().get("timer_overhead_ns"));
        console.println("Results: " + runner.resultsFile());
        int expected = experiment.strategies().size() * experiment.workloads().size() * experiment.virtualMemories().size();
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
