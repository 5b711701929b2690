package org.alloclab.harness.workload;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.alloclab.api.Parameters;
import org.alloclab.api.Provider;

/**
 * Generates one type of workload. Found through {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.alloclab.harness.workload.WorkloadProvider}, by {@link #name()}.
 *
 * <p>A workload for several threads is one {@link Operations} stream per thread over a shared slot space
 * (the rules are in {@link Operations}' class comment). A type whose shape is one thread's — most are —
 * needs nothing more: {@link #generate(String, Parameters, long, int)} gives every thread a generation of
 * its own. A type whose threads interact (blocks freed by another thread than the one that allocated
 * them, meeting points) overrides that method and implements the one-thread method as its first stream.
 */
public interface WorkloadProvider extends Provider {

    /**
     * Added to the seed per thread (times the thread's index) by the default
     * {@link #generate(String, Parameters, long, int)}: thread 0 keeps the workload's seed, so its stream
     * is the one-thread workload, and no two threads, nor two workloads of an experiment, draw alike.
     */
    long THREAD_SEED_STEP = 0x9E3779B97F4A7C15L;

    /**
     * The operations of one workload. The same parameters and seed give the same operations.
     *
     * @param name       the workload's name in reports
     * @param parameters checked against {@link #parameters()}
     * @param seed       the only source of randomness
     */
    Operations generate(String name, Parameters parameters, long seed);

    /**
     * The operations of one workload run by {@code threads} threads: one stream per thread, following the
     * rules of {@link Operations}' class comment. The same parameters, seed and threads give the same
     * streams.
     *
     * <p>By default, for a type whose shape is one thread's: thread {@code t} replays its own
     * {@link #generate(String, Parameters, long) generation} from {@code seed + t × }{@link #THREAD_SEED_STEP},
     * in a part of the slot space of its own (no block crosses threads), and streams with fewer meeting
     * points ({@link Operations.Kind#PHASE_END}s) than others get {@link Operations.Kind#BARRIER}s at their
     * end. With one thread this is exactly {@code List.of(generate(name, parameters, seed))}.
     *
     * @param threads the number of threads, at least 1
     */
    default List<Operations> generate(String name, Parameters parameters, long seed, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a workload needs at least one thread, was " + threads);
        }
        if (threads == 1) {
            return List.of(generate(name, parameters, seed));
        }
        var alone = new ArrayList<Operations>(threads);
        int space = 0;
        for (int t = 0; t < threads; t++) {
            Operations ops = generate(name, parameters, seed + t * THREAD_SEED_STEP);
            alone.add(ops);
            space = Math.addExact(space, ops.slotCount());
        }
        var streams = new ArrayList<Operations>(threads);
        int offset = 0;
        for (Operations ops : alone) {
            streams.add(ops.inSlotSpace(offset, space));
            offset += ops.slotCount();
        }
        return Streams.balance(streams);
    }

    /**
     * Writes the operations of {@link #generate(String, Parameters, long, int)} to {@code file}
     * ({@link OperationsFile}). By default they are generated in memory, then written; a type whose
     * operations may not fit in the heap (a trace) overrides it to write them as they are made.
     */
    default void write(Path file, String name, Parameters parameters, long seed, int threads) {
        OperationsFile.write(file, generate(name, parameters, seed, threads));
    }
}
