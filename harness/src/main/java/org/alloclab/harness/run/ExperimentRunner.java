package org.alloclab.harness.run;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.alloclab.api.Allocator;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.workload.Operations;

/**
 * Runs an experiment: every workload is generated once from the seed, then replayed by every strategy on
 * every virtual memory kind, each run on a fresh virtual memory and a fresh allocator. A run that fails is
 * recorded with its error and the experiment goes on; results are written as each run finishes.
 */
public final class ExperimentRunner {

    private final Experiment experiment;
    private final Path folder;
    private final List<String> command;
    private final PrintStream out;
    private Map<String, Object> environment = Map.of();

    /** A runner of {@code experiment} writing into {@code folder}; {@code command} is recorded in the results. */
    @Inject
    public ExperimentRunner(Experiment experiment, @Named("output") Path folder, @Named("command") List<String> command,
                            PrintStream out) {
        this.experiment = experiment;
        this.folder = folder;
        this.command = command;
        this.out = out;
    }

    /** Runs everything; returns the finished runs (failed ones are only in results.json). */
    public List<RunResult> run() {
        var header = new LinkedHashMap<String, Object>();
        header.put("alloclab_results_version", 1);
        header.put("started", Instant.now().toString());
        header.put("command", command);
        header.put("configuration_source", experiment.source());
        header.put("seed", experiment.seed());
        header.put("warmup_runs", experiment.warmupRuns());
        header.put("latency_sampling", experiment.latencySampling());
        header.put("touch", experiment.touch());
        environment = Environment.describe();
        header.put("environment", environment);
        header.put("configuration", experiment.rendered());
        var writer = new ResultsWriter(folder, header);
        writer.write();

        var results = new ArrayList<RunResult>();
        int total = experiment.workloads().size() * experiment.strategies().size() * experiment.virtualMemories().size();
        int done = 0;
        for (int w = 0; w < experiment.workloads().size(); w++) {
            Experiment.WorkloadSpec workload = experiment.workloads().get(w);
            Operations ops = workload.provider().generate(workload.name(), workload.parameters(), experiment.seed() + w);
            var replayer = new Replayer(Replayer.Touch.valueOf(experiment.touch().toUpperCase(java.util.Locale.ROOT)),
                    experiment.latencySampling());
            double harnessCost = replayer.calibrate(ops);
            for (Experiment.VirtualMemorySpec vmSpec : experiment.virtualMemories()) {
                for (Experiment.StrategySpec strategy : experiment.strategies()) {
                    done++;
                    out.printf("[%d/%d] %s on %s, %s (%,d operations) ... ", done, total, strategy.label(),
                            vmSpec.kind(), workload.name(), ops.size());
                    out.flush();
                    try {
                        for (int warmup = 0; warmup < experiment.warmupRuns(); warmup++) {
                            replayOnce(replayer, vmSpec, strategy, ops);
                        }
                        RunResult r = replayOnce(replayer, vmSpec, strategy, ops).withHarnessCost(harnessCost);
                        results.add(r);
                        writer.add(r);
                        out.printf("%.0f ms%n", r.elapsedNanos() / 1e6);
                    } catch (RuntimeException e) {
                        writer.addFailure(strategy.label(), vmSpec.kind(), workload.name(), e);
                        out.println("FAILED: " + e.getMessage());
                    }
                }
            }
        }
        return results;
    }

    private static RunResult replayOnce(Replayer replayer, Experiment.VirtualMemorySpec vmSpec,
                                        Experiment.StrategySpec strategy, Operations ops) {
        try (VirtualMemory vm = vmSpec.provider().create(vmSpec.parameters());
             Allocator allocator = strategy.provider().create(strategy.parameters(), vm)) {
            return replayer.replay(strategy.label(), strategy.parameters().asMap(), ops, allocator, vm);
        }
    }

    /** The machine and build of the last {@link #run()}, as written into results.json. */
    public Map<String, Object> environment() {
        return environment;
    }

    /** The results file. */
    public Path resultsFile() {
        return folder.resolve("results.json");
    }

}
