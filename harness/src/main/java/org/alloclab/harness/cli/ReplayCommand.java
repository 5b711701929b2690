package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.TraceWorkload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code alloclab replay}: real programs' allocation traces through strategies, without writing a
 * configuration. The command line becomes an experiment checked exactly as a configuration file is.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay glibc mtrace files (plain or gzipped) through strategies side by side: footprint, "
                + "latency, failures. Every block's bytes are written, as the traced program did.")
public final class ReplayCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "TRACE", description = "mtrace files, e.g. ../shared/traces/*.mtrace.gz")
    List<Path> traces;

    @Option(names = {"-s", "--strategy"}, required = true, split = ",", paramLabel = "NAME",
            description = "strategies to compare, comma separated (see 'alloclab list')")
    List<String> strategies;

    @Option(names = "--vm", split = ",", paramLabel = "KIND", description = "virtual memories: os (default), simulated, or both")
    List<String> virtualMemories = List.of("os");

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "write results into DIR (default: reports/<time>)")
    Path out;

    @Option(names = "--touch", paramLabel = "WHAT", description = "what is written into new blocks: none, first, all (default)")
    String touch = "all";

    @Option(names = "--heap-map", paramLabel = "WHEN",
            description = "when each replay records its heap for the report: peak (default), off, or a fraction of the operations")
    String heapMap = "peak";

    @Option(names = "--latency-sampling", paramLabel = "N", description = "time one call in N (a power of two; default 4)")
    int latencySampling = 4;

    @Option(names = "--warmup-runs", paramLabel = "N", description = "at most this many untimed replays before each measured one; they stop once one is no"
                    + " faster than the one before (default 10: a real program's trace of a few million operations keeps"
                    + " getting faster for six or seven replays in a JVM of its own)")
    int warmupRuns = 10;

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "threads replaying each trace at once, each a copy of its own (default 1; a list is a sweep)")
    List<Integer> threads = List.of(1);

    @Mixin
    ExecutionOptions execution;

    private final ExperimentLoader loader;
    private final PrintStream console;
    private final List<String> arguments;

    /** The command. */
    @Inject
    public ReplayCommand(ExperimentLoader loader, PrintStream console, @Named("arguments") List<String> arguments) {
        this.loader = loader;
        this.console = console;
        this.arguments = arguments;
    }

    @Override
    public Integer call() {
        try {
            ExperimentLoader.heapMapMoment(heapMap);        // named as the option here, not as alloclab.heap-map
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--heap-map " + e.getMessage(), e);
        }
        var workloads = new ArrayList<Map<String, Object>>();
        for (Path trace : traces) {
            var w = new LinkedHashMap<String, Object>();
            w.put("type", "trace");
            w.put("name", TraceWorkload.nameOf(trace));
            w.put("file", trace.toAbsolutePath().normalize().toString());
            workloads.add(w);
        }
        var strategyList = new ArrayList<Map<String, Object>>();
        strategies.forEach(s -> strategyList.add(Map.of("name", s.trim())));
        var settings = new LinkedHashMap<String, Object>();
        settings.put("touch", touch);
        settings.put("heap-map", heapMap);
        settings.put("latency-sampling", latencySampling);
        settings.put("warmup-runs", warmupRuns);
        settings.put("threads", threads);
        settings.put("virtual-memory", Map.of("kind", virtualMemories));
        settings.put("strategies", strategyList);
        settings.put("workloads", workloads);
        String hocon = ConfigValueFactory.fromMap(Map.of("alloclab", settings)).render(ConfigRenderOptions.concise());
        Experiment experiment = execution.apply(loader.parse(hocon, "the replay command line"));
        return ExperimentExecution.execute(experiment, out, loader, console, arguments);
    }
}
