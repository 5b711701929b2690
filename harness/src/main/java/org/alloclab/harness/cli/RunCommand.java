package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code alloclab run}: an experiment from a configuration file, or the built-in default. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run an experiment: every strategy on every workload and virtual memory of the configuration "
                + "(the built-in default when no file is given), each measured in a JVM of its own and repeated. Prints a "
                + "summary and writes results.json and the report.",
                "With --resume DIR: run the cells of the experiment in DIR that have no finished result."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON configuration; see reference.conf in the README")
    Path config;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "write results into DIR (default: a new folder under the configuration's output, named by the time)")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "finish the experiment in DIR: run its cells that have no result or did not finish")
    Path resume;

    @Mixin
    ExecutionOptions execution;

    private final ExperimentLoader loader;
    private final PrintStream console;
    private final List<String> arguments;

    /** The command. */
    @Inject
    public RunCommand(ExperimentLoader loader, PrintStream console, @Named("arguments") List<String> arguments) {
        this.loader = loader;
        this.console = console;
        this.arguments = arguments;
    }

    @Override
    public Integer call() {
        if (resume != null) {
            if (config != null || out != null || execution.repetitions != null || execution.cellTimeout != null
                    || execution.maxRequest != null) {
                throw new IllegalArgumentException("--resume DIR runs the experiment DIR planned; --config, --out,"
                        + " --repetitions, --cell-timeout and --max-request cannot change it (--jobs and --in-process can)");
            }
            return ExperimentExecution.resume(resume, loader, console, execution.inProcess, execution.checkedJobs());
        }
        Experiment experiment = execution.apply(config == null ? loader.loadDefault() : loader.load(config));
        return ExperimentExecution.execute(experiment, out, loader, console, arguments);
    }
}
