package org.alloclab.harness.cells;

import java.util.LinkedHashMap;
import java.util.Map;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;

/**
 * One measurement of an experiment: a strategy variant on a virtual memory, replaying a workload with some
 * threads, once (one repetition). A cell holds everything needed to run it alone, in any JVM on any machine
 * that sees the experiment's folder: the configuration slice that names exactly its strategy, virtual
 * memory, workload and thread count (the experiment's other settings included), the seed its workload's
 * operations came from, and where those operations are kept ({@link Plan#OPERATIONS}).
 *
 * @param id             stable: made of the labels and the repetition, the same whenever the same
 *                       configuration is planned, and a file name
 * @param index          its place in the order cells run (a seeded shuffle); a Slurm array task's number
 * @param strategy       the strategy's label
 * @param virtualMemory  the virtual memory's label
 * @param workload       the workload's name
 * @param threads        threads replaying the workload at once
 * @param repetition     which repetition, from 0
 * @param seed           the seed of the workload's operations
 * @param operationsFile where the workload's operations are kept, relative to the experiment's folder
 * @param operations     how many operations the workload has (all threads), or -1 when not yet generated
 * @param harnessNanosPerEvent the harness's own cost per operation of the workload, measured once when its
 *                       operations were made (replays through an allocator that does nothing), or NaN
 * @param configuration  the configuration slice: {@code alloclab { ... }} with one strategy, one virtual
 *                       memory, one workload and one thread count
 */
public record Cell(String id, int index, String strategy, String virtualMemory, String workload, int threads,
                   int repetition, long seed, String operationsFile, long operations, double harnessNanosPerEvent,
                   Map<String, Object> configuration) {

    static final String ID = "id";
    static final String INDEX = "index";
    static final String SEED = "seed";
    static final String OPERATIONS_FILE = "operations_file";
    static final String OPERATIONS = "operations";
    static final String CONFIGURATION = "configuration";

    /** The slice as HOCON text, for the configuration loader. */
    public String configurationText() {
        return ConfigValueFactory.fromMap(configuration).render(ConfigRenderOptions.concise());
    }

    /** What the cell measures, in words: {@code dsmalloc on os, perl (2 threads), repetition 1}. */
    public String describe() {
        return strategy + " on " + virtualMemory + ", " + workload + (threads == 1 ? "" : " (" + threads + " threads)")
                + ", repetition " + repetition;
    }

    /** The key a summary groups repetitions by: strategy, virtual memory, workload, threads. */
    public String group() {
        return strategy + " | " + virtualMemory + " | " + workload + " | " + threads;
    }

    /** This cell with its workload's operation count and the harness's cost per operation on it. */
    Cell withOperations(long count, double harnessNanos) {
        return new Cell(id, index, strategy, virtualMemory, workload, threads, repetition, seed, operationsFile, count,
                harnessNanos, configuration);
    }

    /** This cell at place {@code i} of the run order. */
    Cell at(int i) {
        return new Cell(id, i, strategy, virtualMemory, workload, threads, repetition, seed, operationsFile, operations,
                harnessNanosPerEvent, configuration);
    }

    Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put(ID, id);
        m.put(INDEX, index);
        m.put(org.alloclab.harness.run.Schema.STRATEGY, strategy);
        m.put(org.alloclab.harness.run.Schema.VIRTUAL_MEMORY, virtualMemory);
        m.put(org.alloclab.harness.run.Schema.WORKLOAD, workload);
        m.put(org.alloclab.harness.run.Schema.THREADS, threads);
        m.put(org.alloclab.harness.run.Schema.REPETITION, repetition);
        m.put(SEED, seed);
        m.put(OPERATIONS_FILE, operationsFile);
        m.put(OPERATIONS, operations);
        m.put(org.alloclab.harness.run.Schema.HARNESS_NS_PER_EVENT, Double.isNaN(harnessNanosPerEvent) ? null : harnessNanosPerEvent);
        m.put(CONFIGURATION, configuration);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Cell fromMap(Map<String, Object> m, String where) {
        try {
            return new Cell((String) m.get(ID), ((Number) m.get(INDEX)).intValue(),
                    (String) m.get(org.alloclab.harness.run.Schema.STRATEGY),
                    (String) m.get(org.alloclab.harness.run.Schema.VIRTUAL_MEMORY),
                    (String) m.get(org.alloclab.harness.run.Schema.WORKLOAD),
                    ((Number) m.get(org.alloclab.harness.run.Schema.THREADS)).intValue(),
                    ((Number) m.get(org.alloclab.harness.run.Schema.REPETITION)).intValue(),
                    ((Number) m.get(SEED)).longValue(), (String) m.get(OPERATIONS_FILE),
                    ((Number) m.get(OPERATIONS)).longValue(),
                    m.get(org.alloclab.harness.run.Schema.HARNESS_NS_PER_EVENT) instanceof Number h ? h.doubleValue() : Double.NaN,
                    (Map<String, Object>) m.get(CONFIGURATION));
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(where + ": a cell is missing a field or has one of the wrong type (" + m.keySet()
                    + "): the plan was not written by this alloclab or was edited", e);
        }
    }
}
