package org.alloclab.harness.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code larson}: server-like churn after Larson and Krishnan's benchmark ("Memory allocation for
 * long-running server applications", ISMM 1998), as run by mimalloc-bench. The workload's blocks are
 * split into one partition per thread of {@code blocks-per-thread} blocks. Each thread first fills its
 * own partition; then, round after round, it replaces {@code replacements} blocks of the partition it
 * holds, each picked at random: the old block is freed and a new one of a random size allocated in its
 * place. Between rounds all threads meet ({@link Operations.Kind#BARRIER}) and every partition passes to
 * the next thread — in round {@code r} thread {@code t} holds partition {@code (t + r) mod T} — so from the
 * second round on, the first free of each block a partition arrived with is of a block another thread
 * allocated (with the defaults, about one free in ten, as in Larson's benchmark, where a thread inherits
 * its array and replaces ten times as many blocks as it holds): the cross-thread frees that make
 * per-thread caches leak or bleed memory in real servers. The blocks still held at the end are freed by
 * the replayer. A cross-thread free never waits: the block was allocated before the last meeting point.
 *
 * <p>Larson's original hands a thread's array to a newly created thread and measures for a fixed time;
 * here threads live for the whole run and the work is fixed, so a run is reproducible from its seed. One
 * thread gives the same churn with no crossing.
 *
 * <p>Parameters (defaults): {@code blocks-per-thread} (1000); {@code rounds} (20);
 * {@code replacements} (10000) per thread and round; {@code min-size} (8) and {@code max-size} (1KiB);
 * {@code sizes} (uniform, as Larson's).
 */
public final class LarsonWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "larson";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "server-like churn after Larson: threads replace random blocks of a partition that passes to the next thread every round (cross-thread frees)";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("blocks-per-thread", 1000, "blocks in each thread's partition"),
                ParameterSpec.count("rounds", 20, "rounds; after each, all threads meet and every partition passes to the next thread"),
                ParameterSpec.count("replacements", 10_000, "blocks each thread replaces (free, then allocate anew) per round"),
                ParameterSpec.bytes("min-size", "8", "smallest request"),
                ParameterSpec.bytes("max-size", "1KiB", "largest request"),
                SizeDistribution.parameter(SizeDistribution.Shape.UNIFORM, "min-size and max-size"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        return generate(name, p, seed, 1).getFirst();
    }

    @Override
    public List<Operations> generate(String name, Parameters p, long seed, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a workload needs at least one thread, was " + threads);
        }
        int blocks = (int) WorkloadParameters.count(p, "blocks-per-thread", 1, 10_000_000);
        long rounds = WorkloadParameters.count(p, "rounds", 1, 1_000_000);
        long replacements = WorkloadParameters.count(p, "replacements", 0, WorkloadParameters.MAX_ALLOCATIONS);
        WorkloadParameters.checkTotal(p, "replacements", (double) threads * (blocks + (double) rounds * replacements));
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");

        List<Operations.Builder> streams = Operations.builders(name, threads);
        var root = new SplittableRandom(seed);
        var random = new ArrayList<SplittableRandom>(threads);
        int[][] partitions = new int[threads][blocks];
        int alignment = (int) Allocator.DEFAULT_ALIGNMENT;
        for (int t = 0; t < threads; t++) {
            random.add(root.split());
            Operations.Builder ops = streams.get(t);
            for (int k = 0; k < blocks; k++) {
                partitions[t][k] = ops.allocate(sizes.next(random.get(t)), alignment);
            }
        }
        for (long r = 0; r < rounds; r++) {
            for (int t = 0; t < threads; t++) {
                streams.get(t).barrier();
            }
            for (int t = 0; t < threads; t++) {
                Operations.Builder ops = streams.get(t);
                SplittableRandom rnd = random.get(t);
                int[] partition = partitions[(int) ((t + r) % threads)];
                for (long k = 0; k < replacements; k++) {
                    int at = rnd.nextInt(blocks);
                    ops.free(partition[at]);
                    partition[at] = ops.allocate(sizes.next(rnd), alignment);
                }
            }
        }
        return streams.stream().map(Operations.Builder::build).toList();
    }
}
