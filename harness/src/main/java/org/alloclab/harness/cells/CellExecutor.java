package org.alloclab.harness.cells;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Measurement;
import org.alloclab.harness.run.ProgressDisplay;
import org.alloclab.harness.run.Replayer;
import org.alloclab.harness.run.Schema;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.OperationsFile;

/**
 * Runs the cells of a plan on this machine: each in a JVM of its own ({@link CellProcess}) or all in this one
 * ({@link CellRunner}), one at a time or {@code jobs} at once, in the plan's run order. Every cell's result
 * is a file of its own and {@code results.json} is merged again after each ({@link Merge}), so an
 * interrupted experiment keeps everything it finished: on Ctrl-C the running cells' JVMs are killed and the
 * merge is written once more. {@code results.json} is merged again every few seconds while cells run, and
 * once they are done; {@code alloclab report} merges what the cells' files hold at any time. A failed cell
 * never stops the others.
 */
public final class CellExecutor {

    /** How often results.json is merged again while cells run (and always once they are done). */
    private static final long MERGE_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private final ExperimentLoader loader;
    private final PrintStream out;
    private long lastMerge;

    /** An executor that checks cells' slices with {@code loader} and prints a line per cell to {@code out}. */
    public CellExecutor(ExperimentLoader loader, PrintStream out) {
        this.loader = loader;
        this.out = out;
    }

    /**
     * Makes every workload's operations of {@code plan} that {@code folder} does not hold yet (untimed, before
     * any cell runs: a trace that cannot be read stops the experiment here, before anything was measured),
     * measures the harness's own cost per operation on each once ({@link Replayer#calibrate(List)}: replays
     * through allocators that do nothing), and returns the plan with its cells' operation counts and that cost.
     */
    public Plan prepare(Path folder, Plan plan) {
        checkStrategies(plan);
        var counts = new LinkedHashMap<String, Long>();
        var harness = new LinkedHashMap<String, Double>();
        for (Cell c : plan.cells()) {
            if (counts.containsKey(c.operationsFile())) {
                continue;
            }
            Path file = folder.resolve(c.operationsFile());
            List<Operations> streams;
            if (Files.isRegularFile(file)) {
                streams = OperationsFile.read(file);
            } else {
                long t0 = System.nanoTime();
                out.printf("preparing %s%s ... ", c.workload(), c.threads() == 1 ? "" : " for " + c.threads() + " threads");
                out.flush();
                try {
                    Experiment slice = loader.parse(c.configurationText(), "cell " + c.id());
                    streams = CellRunner.write(slice.workloads().getFirst(), c.seed(), c.threads(), file);
                } catch (RuntimeException e) {
                    out.println("failed");                   // the error follows on a line of its own
                    throw e;
                }
                out.printf(Locale.ROOT, "%,d operations in %.1f s%n", count(streams), (System.nanoTime() - t0) / 1e9);
                streams.getFirst().warnings().forEach(w -> out.println("alloclab: warning: " + w));
            }
            counts.put(c.operationsFile(), count(streams));
            harness.put(c.operationsFile(), Double.isNaN(c.harnessNanosPerEvent()) ? calibrate(plan, c, streams)
                    : c.harnessNanosPerEvent());
        }
        return plan.withOperations(counts, harness);
    }

    /**
     * Creates, and closes at once, every strategy of {@code plan} on each of its virtual memories, with its
     * layers: a parameter out of range (a segment size of 0, a page size of 3000) or a combination the
     * strategy refuses stops the experiment here, naming the strategy, before any cell has spent its time —
     * not when that strategy's first cell starts, after the others ran.
     *
     * @throws IllegalArgumentException naming the strategy, its virtual memory and what is wrong
     */
    void checkStrategies(Plan plan) {
        var checked = new java.util.HashSet<String>();
        for (Cell c : plan.cells()) {
            if (!checked.add(c.strategy() + "\u0000" + c.virtualMemory())) {
                continue;
            }
            Experiment slice = loader.parse(c.configurationText(), "cell " + c.id());
            Experiment.VirtualMemorySpec vmSpec = slice.virtualMemories().getFirst();
            try (org.alloclab.api.VirtualMemory vm = vmSpec.provider().create(vmSpec.parameters());
                 org.alloclab.api.Allocator allocator = slice.strategies().getFirst().create(vm)) {
                allocator.strategy();                       // created: its parameters hold
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new IllegalArgumentException("strategy '" + c.strategy() + "' on " + c.virtualMemory()
                        + " cannot be created with its parameters, so nothing was run: " + e.getMessage(), e);
            }
        }
    }

    /** The harness's cost per operation of {@code streams}, with a progress bar when it is long. */
    private double calibrate(Plan plan, Cell c, List<Operations> streams) {
        int sampling = plan.header().get(Schema.LATENCY_SAMPLING) instanceof Number n ? n.intValue() : 4;
        long operations = count(streams) * Replayer.CALIBRATION_ROUNDS;
        try (var bar = ProgressDisplay.open(out, "calibrating the harness on " + c.workload(), operations)) {
            return new Replayer(Replayer.Touch.NONE, sampling).withProgress(bar.after(0)).calibrate(streams);
        }
    }

    private static long count(List<Operations> streams) {
        return streams.stream().mapToLong(Operations::size).sum();
    }

    /**
     * Runs {@code cells} of {@code plan} (written in {@code folder}) and merges the results.
     *
     * @param fork  a JVM per cell, or all in this one
     * @param jobs  cells at once (forked cells only)
     * @return how every cell of the plan stands afterwards
     */
    public Merge.Status run(Path folder, Plan plan, List<Cell> cells, boolean fork, int jobs) {
        if (jobs > 1 && !fork) {
            throw new IllegalArgumentException("--jobs " + jobs + " runs cells in JVMs of their own; it cannot be combined"
                    + " with fork = false or --in-process");
        }
        var running = ConcurrentHashMap.<Process>newKeySet();
        Thread hook = Thread.ofPlatform().unstarted(() -> interrupted(folder, running));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (fork) {
                runForked(folder, plan, cells, jobs, running);
            } else {
                runHere(folder, plan, cells);
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs
            }
        }
        return Merge.write(folder);
    }

    /**
     * Ctrl-C or SIGTERM while cells run: the running cells' JVMs are stopped (their cells count as not
     * finished), what finished is merged and reported, and one paragraph says where it is and how to run the
     * rest. A cell measured in this JVM ({@code --in-process}) is abandoned with it.
     */
    private void interrupted(Path folder, Set<Process> running) {
        running.forEach(CellProcess::kill);
        out.println();
        try {
            Merge.Status status = Merge.write(folder);
            out.println("alloclab: interrupted; " + status.describe() + ".");
            out.println("Results: " + folder.resolve("results.json").toAbsolutePath().normalize());
            out.println("Report:  " + org.alloclab.harness.report.ReportWriter.write(folder).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            out.println("alloclab: interrupted; the results or the report could not be written (" + e.getMessage() + ")");
        }
        out.println("'alloclab run --resume " + folder.toAbsolutePath().normalize() + "' runs the cells that did not finish.");
        out.flush();
    }

    private void runHere(Path folder, Plan plan, List<Cell> cells) {
        int total = plan.cells().size();
        var done = new AtomicInteger(total - cells.size());
        try (var runner = new CellRunner(loader)) {
            for (Cell c : cells) {
                String line = String.format(Locale.ROOT, "[%d/%d] %s (%,d operations) ... ", done.incrementAndGet(), total,
                        c.describe(), c.operations());
                long most = c.operations() < 0 ? 0 : c.operations() * (plan.warmupRuns() + 1L);
                Map<String, Object> entry;
                CellRunner.clear(folder, c);
                try (var bar = ProgressDisplay.open(out, c.describe(), most)) {
                    if (!bar.shown()) {
                        out.print(line);
                        out.flush();
                    }
                    entry = runner.run(folder, c, 1, bar::after);
                    bar.close();
                    out.println((bar.shown() ? line : "") + outcome(entry));
                }
                mergeNowAndThen(folder);
            }
        }
    }

    private void runForked(Path folder, Plan plan, List<Cell> cells, int jobs, Set<Process> running) {
        int total = plan.cells().size();
        var done = new AtomicInteger(total - cells.size());
        Duration timeout = plan.cellTimeout();
        if (jobs == 1) {
            for (Cell c : cells) {
                String line = String.format(Locale.ROOT, "[%d/%d] %s (%,d operations) ... ", done.incrementAndGet(), total,
                        c.describe(), c.operations());
                long most = c.operations() < 0 ? 0 : c.operations() * (plan.warmupRuns() + 1L);
                Map<String, Object> entry;
                try (var bar = ProgressDisplay.open(out, c.describe(), most)) {
                    if (!bar.shown()) {
                        out.print(line);
                        out.flush();
                    }
                    Replayer.Progress shown = bar.after(0);
                    entry = CellProcess.run(folder, plan, c, 1, timeout, running::add, bar.shown() ? shown::reached : null);
                    bar.close();
                    out.println((bar.shown() ? line : "") + outcome(entry));
                }
                running.clear();
                mergeNowAndThen(folder);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(jobs, Thread.ofPlatform().name("alloclab-job-", 1).factory());
        var futures = new ArrayList<Future<?>>();
        for (Cell c : cells) {
            futures.add(pool.submit(() -> {
                var mine = new java.util.concurrent.atomic.AtomicReference<Process>();
                Map<String, Object> entry = CellProcess.run(folder, plan, c, jobs, timeout, p -> {
                    mine.set(p);
                    running.add(p);
                });
                if (mine.get() != null) {
                    running.remove(mine.get());
                }
                synchronized (out) {
                    out.printf(Locale.ROOT, "[%d/%d] %s (%,d operations) ... %s%n", done.incrementAndGet(), total,
                            c.describe(), c.operations(), outcome(entry));
                }
                mergeNowAndThen(folder);
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while cells ran", e);
        } catch (java.util.concurrent.ExecutionException e) {
            pool.shutdownNow();
            throw new IllegalStateException("a job failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Merges results.json when the last merge is a few seconds old. */
    private synchronized void mergeNowAndThen(Path folder) {
        long now = System.nanoTime();
        if (lastMerge == 0 || now - lastMerge > MERGE_EVERY_NANOS) {
            Merge.write(folder);
            lastMerge = System.nanoTime();
        }
    }

    /** What the console says of a cell once it ended. */
    public static String outcome(Map<String, Object> entry) {
        String status = String.valueOf(entry.get(Schema.STATUS));
        String pid = entry.get(Schema.PID) == null ? "" : ", pid " + entry.get(Schema.PID);
        return switch (status) {
            case Schema.OK -> String.format(Locale.ROOT, "%.0f ms%s", ((Number) entry.get(Schema.ELAPSED_MS)).doubleValue(), pid)
                    + refused(entry);
            case Schema.TIMED_OUT -> "TIMED OUT: " + entry.get(Schema.ERROR);
            case Schema.CRASHED -> "CRASHED: " + entry.get(Schema.ERROR);
            default -> "FAILED: " + entry.get(Schema.ERROR);
        };
    }

    /**
     * What the harness held back in a finished cell, for its line: {@code ; 2 requests above max-request (1 MiB) refused,
     * never sent to the allocator}, and the blocks written only in part; empty when nothing was.
     */
    static String refused(Map<String, Object> entry) {
        var b = new StringBuilder();
        if (entry.get(Schema.REFUSED_BY_HARNESS) instanceof Number n && n.longValue() > 0) {
            b.append(String.format(Locale.ROOT, "; %,d request%s above max-request (%s) refused, never sent to the allocator",
                    n.longValue(), n.longValue() == 1 ? "" : "s", entry.get(Schema.MAX_REQUEST_BYTES) instanceof Number m
                            ? org.alloclab.api.Sizes.format(m.longValue()) : "?"));
        }
        if (entry.get(Schema.TOUCH_LIMITED) instanceof Number n && n.longValue() > 0) {
            b.append(String.format(Locale.ROOT, "; %,d block%s written only in %s first bytes (the touch limit)",
                    n.longValue(), n.longValue() == 1 ? "" : "s", n.longValue() == 1 ? "its" : "their"));
        }
        return b.toString();
    }

    /** The cells of {@code plan} to run when resuming: those without a finished result, in run order. */
    public static List<Cell> unfinished(Path folder, Plan plan) {
        var list = new ArrayList<Cell>();
        for (Cell c : plan.runOrder()) {
            Map<String, Object> r = Merge.result(folder, c);
            if (r == null || !Schema.OK.equals(r.get(Schema.STATUS))) {
                list.add(c);
            }
        }
        return list;
    }

    /** Measures {@code cell} of the experiment in {@code folder} in this JVM: what a forked cell's JVM runs. */
    public Map<String, Object> runOne(Path folder, Cell cell, int jobs) {
        try (var runner = new CellRunner(loader)) {
            CellRunner.clear(folder, cell);
            return runner.run(folder, cell, jobs, Measurement.Progress.NONE);
        }
    }

    /**
     * Measures {@code cell} as the plan says: in a JVM of its own under the plan's time limit (recording a
     * crash or a timeout as the cell's result), or here when the plan does not fork. What a Slurm array task
     * runs.
     */
    public Map<String, Object> runSupervised(Path folder, Plan plan, Cell cell) {
        if (!plan.fork()) {
            return runOne(folder, cell, 1);
        }
        return CellProcess.run(folder, plan, cell, 1, plan.cellTimeout(), p -> { });
    }
}
