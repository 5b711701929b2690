package org.alloclab.harness.cells;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.run.Schema;

/**
 * An experiment expanded into its {@link Cell cells} — strategy × virtual memory × workload × threads ×
 * repetition — and what {@code results.json} will say about how they were run (its header). Written as
 * {@code plan.json} into the experiment's folder before any cell runs; everything that runs a cell later
 * (a forked JVM, {@code alloclab cell} in a Slurm array task, {@code alloclab run --resume}) reads it from
 * there.
 *
 * <h2>The folder</h2>
 * <pre>
 * DIR/plan.json              this plan: header and cells, in the configuration's order
 * DIR/operations/*.ops       each workload's operations, per thread count ({@link org.alloclab.harness.workload.OperationsFile})
 * DIR/cells/ID.json          a finished cell's result (or its failure), written by the process that measured it
 * DIR/cells/ID.hlog, .hgrm   its latency histograms; ID.heap.json.gz its heap map; ID.log its JVM's output
 * DIR/results.json           every cell merged, with the summary ({@link Merge}); made again at any time
 * </pre>
 *
 * <h2>Order</h2>
 * Cells are listed in the configuration's order (workload, threads, virtual memory, strategy, repetition)
 * and run in a seeded random order of all of them ({@link Cell#index()}), so that a drift of the machine
 * (heat, other load, a neighbour's backup) is spread over every strategy and repetition instead of landing
 * on the strategies listed last.
 */
public final class Plan {

    /** The plan's file in an experiment's folder. */
    public static final String FILE = "plan.json";
    /** The folder of the cells' results. */
    public static final String CELLS = "cells";
    /** The folder of the workloads' operations. */
    public static final String OPERATIONS = "operations";

    static final String VERSION_KEY = "alloclab_plan_version";
    static final int VERSION = 1;
    static final String HEADER = "header";
    static final String CELL_LIST = "cells";

    private final Map<String, Object> header;
    private final List<Cell> cells;

    private Plan(Map<String, Object> header, List<Cell> cells) {
        this.header = header;
        this.cells = List.copyOf(cells);
    }

    /**
     * The plan of {@code experiment}.
     *
     * @param command     the command line that asked for it, recorded for the report's "run it again"
     * @param environment the machine it was planned on
     */
    public static Plan of(Experiment experiment, List<String> command, Map<String, Object> environment) {
        Experiment.Execution execution = experiment.execution();
        var cells = new ArrayList<Cell>();
        var ids = new HashSet<String>();
        for (Experiment.WorkloadSpec workload : experiment.workloads()) {
            for (int threads : experiment.threads()) {
                String operations = OPERATIONS + "/" + operationsFileName(workload, threads);
                for (Experiment.VirtualMemorySpec vm : experiment.virtualMemories()) {
                    for (Experiment.StrategySpec strategy : experiment.strategies()) {
                        Map<String, Object> slice = slice(experiment, strategy, vm, workload, threads);
                        for (int r = 0; r < execution.repetitions(); r++) {
                            String id = uniqueId(ids, strategy.label(), vm.label(), workload.name(), threads, r);
                            cells.add(new Cell(id, -1, strategy.label(), vm.label(), workload.name(), threads, r,
                                    workload.seed(), operations, -1, Double.NaN, slice));
                        }
                    }
                }
            }
        }
        var order = new ArrayList<Integer>();
        for (int i = 0; i < cells.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(experiment.seed()));
        for (int place = 0; place < order.size(); place++) {
            int i = order.get(place);
            cells.set(i, cells.get(i).at(place));
        }
        return new Plan(header(experiment, command, environment, cells.size()), cells);
    }

    private static Map<String, Object> header(Experiment e, List<String> command, Map<String, Object> environment, int cells) {
        Experiment.Execution x = e.execution();
        var h = new LinkedHashMap<String, Object>();
        h.put(Schema.RESULTS_VERSION, Schema.VERSION);
        h.put(Schema.STARTED, Instant.now().toString());
        h.put(Schema.COMMAND, command);
        h.put(Schema.WORKING_DIRECTORY, Path.of("").toAbsolutePath().toString());
        h.put(Schema.CONFIGURATION_SOURCE, e.source());
        h.put(Schema.SEED, e.seed());
        h.put(Schema.WARMUP_RUNS, e.warmupRuns());
        h.put(Schema.LATENCY_SAMPLING, e.latencySampling());
        h.put(Schema.TOUCH, e.touch());
        h.put(Schema.MAX_REQUEST, String.valueOf(e.rendered().get("max-request")));
        h.put(Schema.HEAP_MAP, e.heapMapAt() < 0 ? "peak" : e.heapMapAt() == 0 ? "off" : String.valueOf(e.heapMapAt()));
        h.put(Schema.REPETITIONS, x.repetitions());
        h.put(Schema.FORK, x.fork());
        h.put(Schema.JOBS, x.jobs());
        h.put(Schema.CELL_TIMEOUT_S, x.cellTimeout().toSeconds());
        h.put(Schema.JVM_ARGS, x.jvmArgs());
        h.put(Schema.MEASURED_REPLAYS, x.measuredReplays());
        h.put(Schema.CELLS_PLANNED, cells);
        h.put(Schema.ENVIRONMENT, environment);
        h.put(Schema.CONFIGURATION, e.rendered());
        return h;
    }

    /**
     * The configuration of one cell: the experiment's own settings, with exactly this strategy (its label and
     * every layer written out), this virtual memory, this workload (its sweep's values as plain values) and
     * this thread count, measured once in the JVM that reads it.
     */
    private static Map<String, Object> slice(Experiment e, Experiment.StrategySpec strategy, Experiment.VirtualMemorySpec vm,
                                             Experiment.WorkloadSpec workload, int threads) {
        var a = new LinkedHashMap<String, Object>(e.rendered());
        a.put("strategies", List.of(strategy.definition()));
        a.put("layers", List.of());
        a.put("virtual-memory", vm.definition());
        a.put("workloads", List.of(workload.definition()));
        a.put("threads", threads);
        a.put("repetitions", 1);
        a.put("fork", false);
        a.put("jobs", 1);
        return Map.of("alloclab", a);
    }

    /** A name for a workload's operations file: its name, thread count and seed (the seed hashes its definition). */
    private static String operationsFileName(Experiment.WorkloadSpec workload, int threads) {
        return safe(workload.name()) + ".t" + threads + "." + Long.toHexString(workload.seed()) + ".ops";
    }

    private static String uniqueId(Set<String> taken, String strategy, String vm, String workload, int threads, int r) {
        String base = safe(strategy) + "--" + safe(vm) + "--" + safe(workload) + (threads == 1 ? "" : "--t" + threads)
                + "--r" + r;
        String id = base;
        for (int n = 2; !taken.add(id); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    /** {@code text} with every run of characters other than letters, digits, dot and dash made one underscore. */
    static String safe(String text) {
        String s = text.replaceAll("[^A-Za-z0-9.-]+", "_").replaceAll("^_+|_+$", "");
        return s.isEmpty() ? "_" : s;
    }

    /**
     * This plan with the operation counts of its workloads and the harness's cost per operation on each, by
     * operations file.
     */
    Plan withOperations(Map<String, Long> counts, Map<String, Double> harnessNanos) {
        var updated = new ArrayList<Cell>(cells.size());
        for (Cell c : cells) {
            Long n = counts.get(c.operationsFile());
            updated.add(n == null ? c : c.withOperations(n, harnessNanos.getOrDefault(c.operationsFile(), Double.NaN)));
        }
        return new Plan(header, updated);
    }

    /** The cells in the configuration's order. */
    public List<Cell> cells() {
        return cells;
    }

    /** The cells in the order they run. */
    public List<Cell> runOrder() {
        var list = new ArrayList<>(cells);
        list.sort(java.util.Comparator.comparingInt(Cell::index));
        return list;
    }

    /** What results.json says before its results: command, seed, settings, environment, configuration. */
    public Map<String, Object> header() {
        return header;
    }

    /** How many repetitions each cell's group has. */
    public int repetitions() {
        return header.get(Schema.REPETITIONS) instanceof Number n ? n.intValue() : 1;
    }

    /** The most untimed replays before each measured one. */
    public int warmupRuns() {
        return header.get(Schema.WARMUP_RUNS) instanceof Number n ? n.intValue() : 0;
    }

    /** Whether cells run in JVMs of their own. */
    public boolean fork() {
        return !Boolean.FALSE.equals(header.get(Schema.FORK));
    }

    /** How long a forked cell may run. */
    public java.time.Duration cellTimeout() {
        return java.time.Duration.ofSeconds(header.get(Schema.CELL_TIMEOUT_S) instanceof Number n ? n.longValue() : 600);
    }

    /** The options every cell's JVM gets before alloclab's own. */
    public List<String> jvmArgs() {
        return header.get(Schema.JVM_ARGS) instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }

    /**
     * The cell named by {@code idOrIndex}: its id, or its place in the run order (what a Slurm array task
     * is given).
     *
     * @throws IllegalArgumentException when the plan has no such cell
     */
    public Cell cell(String idOrIndex) {
        if (idOrIndex.matches("\\d{1,9}")) {
            int index = Integer.parseInt(idOrIndex);
            for (Cell c : cells) {
                if (c.index() == index) {
                    return c;
                }
            }
            throw new IllegalArgumentException("the plan has " + cells.size() + " cells, numbered 0 to " + (cells.size() - 1)
                    + "; there is no cell " + index);
        }
        for (Cell c : cells) {
            if (c.id().equals(idOrIndex)) {
                return c;
            }
        }
        throw new IllegalArgumentException("the plan has no cell '" + idOrIndex + "' ('alloclab plan' lists them; a number"
                + " is a place in the run order)");
    }

    /** Writes {@code plan.json} into {@code folder}. */
    public void write(Path folder) {
        var doc = new LinkedHashMap<String, Object>();
        doc.put(VERSION_KEY, VERSION);
        doc.put(HEADER, header);
        doc.put(CELL_LIST, cells.stream().map(Cell::toMap).toList());
        JsonFiles.write(folder.resolve(FILE), doc);
    }

    /** Whether {@code folder} holds a plan. */
    public static boolean isIn(Path folder) {
        return Files.isRegularFile(folder.resolve(FILE));
    }

    /**
     * The plan in {@code folder}.
     *
     * @throws IllegalArgumentException naming the folder when it has none or it cannot be read
     */
    @SuppressWarnings("unchecked")
    public static Plan read(Path folder) {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(folder + " holds no " + FILE + ": not the folder of an alloclab experiment"
                    + " (one made by 'alloclab run', 'replay' or 'submit')");
        }
        Map<String, Object> doc = JsonFiles.read(file);
        if (!(doc.get(VERSION_KEY) instanceof Number v) || v.intValue() != VERSION) {
            throw new IllegalArgumentException(file + " is not a plan this alloclab reads (" + VERSION_KEY + " "
                    + doc.get(VERSION_KEY) + ", expected " + VERSION + ")");
        }
        if (!(doc.get(HEADER) instanceof Map<?, ?> header) || !(doc.get(CELL_LIST) instanceof List<?> list)) {
            throw new IllegalArgumentException(file + " has no header or no cells");
        }
        var cells = new ArrayList<Cell>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(file + ": a cell is not an object");
            }
            cells.add(Cell.fromMap((Map<String, Object>) m, file.toString()));
        }
        return new Plan((Map<String, Object>) header, cells);
    }
}
