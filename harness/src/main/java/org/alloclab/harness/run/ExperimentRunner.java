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
import org.alloclab.api.LockingAllocator;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Streams;

/**
 * Runs an experiment: every workload is generated once from the seed (once per thread count of the
 * {@code threads} sweep), then replayed by every strategy on every virtual memory kind, each run on a fresh
 * virtual memory and a fresh allocator. A run that fails is recorded with its error and the experiment
 * goes on; results are written as each run finishes. A long run shows a progress bar when a person
 * watches ({@link ProgressDisplay}); otherwise, and once it is done, a run is one line.
 */
public final class ExperimentRunner {

    /**
     * Warm-up replays go on, up to {@code warmup-runs}, while each is at least 3% faster than the one
     * before (and at least two are made, when allowed): a Java strategy's code reaches the JIT's steady
     * state only after a few passes over a workload of a couple of million operations (dsmalloc on the
     * perl trace: 483, 276 then 202 ms after one, two and three warm-ups), while a native peer or a slow
     * strategy is steady after one and need not be replayed five times.
     */
    static final double STEADY = 0.97;

    private final Experiment experiment;
    private final Path folder;
    private final List<String> command;
    private final PrintStream out;
    private Map<String, Object> environment = Map.of();
    private final List<java.util.concurrent.CountDownLatch> parked = new ArrayList<>();
    private java.util.concurrent.CountDownLatch experimentOver = new java.util.concurrent.CountDownLatch(1);

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
        experimentOver = new java.util.concurrent.CountDownLatch(1);
        try {
            return runAll();
        } finally {
            experimentOver.countDown();               // the parked run threads end now
            parked.clear();
        }
    }

    private List<RunResult> runAll() {
        var header = new LinkedHashMap<String, Object>();
        header.put("alloclab_results_version", 1);
        header.put("started", Instant.now().toString());
        header.put("command", command);
        header.put("configuration_source", experiment.source());
        header.put("seed", experiment.seed());
        header.put("warmup_runs", experiment.warmupRuns());
        header.put("latency_sampling", experiment.latencySampling());
        header.put("touch", experiment.touch());
        header.put("heap_map", experiment.heapMapAt() < 0 ? "peak" : experiment.heapMapAt() == 0 ? "off"
                : String.valueOf(experiment.heapMapAt()));
        environment = Environment.describe();
        header.put("environment", environment);
        header.put("configuration", experiment.rendered());
        var writer = new ResultsWriter(folder, header);
        writer.write();

        var results = new ArrayList<RunResult>();
        int total = experiment.workloads().size() * experiment.threads().size() * experiment.strategies().size()
                * experiment.virtualMemories().size();
        int done = 0;
        for (int w = 0; w < experiment.workloads().size(); w++) {
            Experiment.WorkloadSpec workload = experiment.workloads().get(w);
            for (int threads : experiment.threads()) {
                List<Operations> streams = workload.provider().generate(workload.name(), workload.parameters(),
                        experiment.seed() + w, threads);
                if (threads > 1) {
                    try {
                        Streams.check(streams);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalStateException("workload " + workload.name() + " for " + threads
                                + " threads breaks the rules of streams (a bug of its generator): " + e.getMessage(), e);
                    }
                }
                long events = Streams.operations(streams);
                var replayer = new Replayer(Replayer.Touch.valueOf(experiment.touch().toUpperCase(java.util.Locale.ROOT)),
                        experiment.latencySampling()).withHeapMap(experiment.heapMapAt());
                double harnessCost;
                try (var bar = ProgressDisplay.open(out, "calibrating the harness on " + workload.name(),
                        events * Replayer.CALIBRATION_ROUNDS)) {
                    harnessCost = replayer.withProgress(bar.after(0)).calibrate(streams);
                }
                for (Experiment.VirtualMemorySpec vmSpec : experiment.virtualMemories()) {
                    for (Experiment.StrategySpec strategy : experiment.strategies()) {
                        done++;
                        String run = String.format("[%d/%d] %s on %s, %s%s", done, total, strategy.label(),
                                vmSpec.label(), workload.name(), threads == 1 ? "" : ", " + threads + " threads");
                        String line = String.format("%s (%,d operations) ... ", run, events);
                        try (var bar = ProgressDisplay.open(out, run, events * (experiment.warmupRuns() + 1L))) {
                            if (!bar.shown()) {
                                out.print(line);
                                out.flush();
                            }
                            try {
                                int warmups = 0;
                                long previous = Long.MAX_VALUE;
                                while (warmups < experiment.warmupRuns()) {
                                    long t = replayOnce(replayer.withProgress(bar.after(warmups * events)), vmSpec, strategy,
                                            streams).elapsedNanos();
                                    warmups++;
                                    if (warmups >= 2 && t > previous * STEADY) {
                                        break;                    // no longer getting faster: the code is warm
                                    }
                                    previous = t;
                                }
                                RunResult r = replayOnce(replayer.withProgress(bar.after(warmups * events)),
                                        vmSpec, strategy, streams).withHarnessCost(harnessCost).withVirtualMemory(vmSpec.label())
                                        .withWarmups(warmups);
                                results.add(r);
                                writer.add(r);
                                bar.close();
                                out.printf("%s%.0f ms%n", bar.shown() ? line : "", r.elapsedNanos() / 1e6);
                            } catch (RuntimeException e) {
                                writer.addFailure(strategy.label(), vmSpec.label(), workload.name(), threads, e);
                                bar.close();
                                out.println((bar.shown() ? line : "") + "FAILED: " + e.getMessage());
                            }
                        }
                    }
                }
            }
        }
        return results;
    }

    /**
     * One replay on a fresh virtual memory and allocator. With several streams a strategy that is not
     * {@link org.alloclab.api.Capability#THREAD_SAFE} runs behind the locking layer, which its result
     * records as a decorator.
     */
    private RunResult replayOnce(Replayer replayer, Experiment.VirtualMemorySpec vmSpec,
                                        Experiment.StrategySpec strategy, List<Operations> streams) {
        return onFreshThread(() -> {
            try (VirtualMemory vm = vmSpec.provider().create(vmSpec.parameters());
                 Allocator created = strategy.create(vm)) {
                Allocator allocator = streams.size() > 1 ? LockingAllocator.threadSafe(created) : created;
                return replayer.replay(strategy.label(), strategy.parameters().asMap(), streams, allocator, vm);
            }
        });
    }

    /**
     * Runs {@code run} on a platform thread of its own and waits for its result. Native allocators keep
     * per-thread state: glibc gives a thread an arena, jemalloc a thread cache. A thread that has never
     * allocated gets a fresh one (for glibc only when {@code MALLOC_ARENA_MAX} leaves room, which the
     * launcher sees to), but glibc hands the arena of a thread that has ended to the next new thread. So
     * the run's thread does not end: it stays parked, holding its arena, until the experiment is over,
     * and no run inherits what an earlier one left behind.
     */
    private RunResult onFreshThread(java.util.function.Supplier<RunResult> run) {
        var result = new java.util.concurrent.atomic.AtomicReference<RunResult>();
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        var finished = new java.util.concurrent.CountDownLatch(1);
        Thread.ofPlatform().name("alloclab-run-" + (parked.size() + 1)).daemon().start(() -> {
            try {
                result.set(run.get());
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                finished.countDown();
            }
            try {
                experimentOver.await();          // keep this thread's native allocator state out of reach
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        parked.add(finished);
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a run was going on", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
        return result.get();
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
