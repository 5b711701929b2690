package org.alloclab.harness.cells;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Environment;
import org.alloclab.harness.run.Measurement;
import org.alloclab.harness.run.ResultsWriter;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.run.Schema;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.OperationsFile;
import org.alloclab.harness.workload.Streams;

/**
 * Measures cells in this JVM: reads a cell's configuration slice (checked as any configuration is), its
 * workload's operations from the experiment's folder (or makes them, untimed, when they are not there),
 * measures it ({@link Measurement}) and writes its result as {@code cells/ID.json}, with who measured it:
 * the process id, the JVM's flags, the host and its CPU. A replay that throws (a debugging layer's report,
 * a failed {@code verify()}) is written as the cell's failure, with status {@code failed}.
 *
 * <p>In a forked cell this runs once in the cell's own JVM; with {@code fork = false} one runner measures
 * every cell of the experiment, and its {@link Measurement} keeps each replay's thread parked until the
 * runner is closed (native allocators' per-thread state is never inherited).
 */
public final class CellRunner implements AutoCloseable {

    private final ExperimentLoader loader;
    private final Measurement measurement = new Measurement();
    private String cachedFile;
    private List<Operations> cached;
    private RunResult last;

    /** A runner that checks the cells' slices with {@code loader}. */
    public CellRunner(ExperimentLoader loader) {
        this.loader = loader;
    }

    /**
     * Measures {@code cell} of the experiment in {@code folder} and writes its result file.
     *
     * @param jobs     cells measured at once beside this one (1: alone), recorded with the result
     * @param progress told how far the measurement has come
     * @return the entry written: status {@code ok}, or {@code failed} with the error
     */
    public Map<String, Object> run(Path folder, Cell cell, int jobs, Measurement.Progress progress) {
        Map<String, Object> entry;
        last = null;
        try {
            Files.createDirectories(folder.resolve(Plan.CELLS));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + folder.resolve(Plan.CELLS) + ": " + e.getMessage(), e);
        }
        try {
            Experiment slice = loader.parse(cell.configurationText(), "cell " + cell.id() + " of " + folder.resolve(Plan.FILE));
            List<Operations> streams = operations(folder, cell, slice);
            RunResult r = measurement.measure(slice, slice.strategies().getFirst(),
                    withLabel(slice.virtualMemories().getFirst(), cell.virtualMemory()), streams, progress);
            entry = new LinkedHashMap<String, Object>();
            entry.put(Schema.CELL, cell.id());
            entry.put(Schema.REPETITION, cell.repetition());
            entry.put(Schema.STATUS, Schema.OK);
            r = r.withHarnessCost(cell.harnessNanosPerEvent());
            // Every repetition takes its heap map (so all are measured alike); the first one's is kept, as
            // alloclab's strategies repeat their heaps exactly.
            entry.putAll(ResultsWriter.entry(folder, Plan.CELLS + "/" + cell.id(), cell.repetition() == 0 ? r : r.withoutHeap()));
            last = r;
        } catch (RuntimeException e) {
            entry = Failures.entry(cell, Schema.FAILED, String.valueOf(e));
        }
        entry.putAll(provenance(jobs));
        JsonFiles.write(resultFile(folder, cell), entry);
        return entry;
    }

    /** The result of the last cell {@link #run} measured, or null when it failed. */
    public RunResult last() {
        return last;
    }

    /** The virtual memory of a slice, labelled as the experiment labelled it (a sweep's values included). */
    private static Experiment.VirtualMemorySpec withLabel(Experiment.VirtualMemorySpec vm, String label) {
        return new Experiment.VirtualMemorySpec(label, vm.provider(), vm.parameters(), vm.definition());
    }

    /** The result file of {@code cell}. */
    public static Path resultFile(Path folder, Cell cell) {
        return folder.resolve(Plan.CELLS).resolve(cell.id() + ".json");
    }

    /**
     * The workload's operations: from the experiment's folder, or made from the slice with the cell's seed
     * (and written there for the cells after) when the file is missing.
     */
    private List<Operations> operations(Path folder, Cell cell, Experiment slice) {
        if (cell.operationsFile().equals(cachedFile)) {
            return cached;
        }
        Path file = folder.resolve(cell.operationsFile());
        List<Operations> streams;
        if (Files.isRegularFile(file)) {
            streams = OperationsFile.read(file);
        } else {
            streams = write(slice.workloads().getFirst(), cell.seed(), cell.threads(), file);
        }
        cached = streams;
        cachedFile = cell.operationsFile();
        return streams;
    }

    /**
     * Writes the streams of {@code workload} for {@code threads} threads into {@code file} and returns them
     * as read back from it (mapped, not copied into the heap), checked when there are several. A trace is
     * written as it is read ({@link org.alloclab.harness.workload.WorkloadProvider#write}); a heap too small
     * for what is left to hold is said so in a line, with how to give it more.
     */
    static List<Operations> write(Experiment.WorkloadSpec workload, long seed, int threads, Path file) {
        try {
            workload.provider().write(file, workload.name(), workload.parameters(), seed, threads);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException("workload " + workload.name() + ": the Java heap (at most "
                    + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB) ran out making its operations; give"
                    + " alloclab a larger heap, e.g. ALLOCLAB_JAVA_OPTS=-Xmx8g ./alloclab ...", e);
        }
        List<Operations> streams = OperationsFile.read(file);
        if (threads > 1) {
            try {
                Streams.check(streams);
            } catch (IllegalArgumentException e) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // the broken rule is the error to report
                }
                throw new IllegalStateException("workload " + workload.name() + " for " + threads
                        + " threads breaks the rules of streams (a bug of its generator): " + e.getMessage(), e);
            }
        }
        return streams;
    }

    /** Who measured: this process, its JVM's flags, the host and its CPU, and how many cells ran beside. */
    static Map<String, Object> provenance(int jobs) {
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.PID, ProcessHandle.current().pid());
        m.put(Schema.JVM_FLAGS, ManagementFactory.getRuntimeMXBean().getInputArguments());
        m.put(Schema.HOST, Environment.host());
        m.put(Schema.CPU_MODEL, Environment.cpuModel());
        m.put(Schema.MEASURED_WITH_JOBS, jobs);
        String job = System.getenv("SLURM_JOB_ID");
        if (job != null) {
            var slurm = new LinkedHashMap<String, Object>();
            slurm.put("job_id", job);
            slurm.put("array_job_id", System.getenv("SLURM_ARRAY_JOB_ID"));
            slurm.put("array_task_id", System.getenv("SLURM_ARRAY_TASK_ID"));
            slurm.put("node", System.getenv("SLURMD_NODENAME"));
            m.put(Schema.SLURM, slurm);
        }
        return m;
    }

    /** Lets the parked replay threads end. */
    @Override
    public void close() {
        measurement.close();
    }

    /** Deletes what an earlier attempt at {@code cell} left (its result, histograms, heap map, crash log). */
    static void clear(Path folder, Cell cell) {
        Path cells = folder.resolve(Plan.CELLS);
        for (String suffix : List.of(".json", ".hlog", ".hgrm", ".heap.json.gz", ".hs_err.log", ".progress")) {
            try {
                Files.deleteIfExists(cells.resolve(cell.id() + suffix));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot clear " + cells.resolve(cell.id() + suffix) + ": " + e.getMessage(), e);
            }
        }
    }
}
