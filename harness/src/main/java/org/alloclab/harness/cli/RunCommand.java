package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.google.inject.Injector;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
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
        return ExperimentExecution.execute(experiment, out, injector, console, arguments);
    }
}
