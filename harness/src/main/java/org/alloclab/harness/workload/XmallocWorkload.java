package org.alloclab.harness.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code xmalloc}: producers and consumers after Lever and Boreham's {@code xmalloc-test} ("malloc()
 * Performance in a Multithreaded Linux Environment", USENIX 2000), as run by mimalloc-bench. Of the
 * {@code T} threads, {@code producers} only allocate and the others only free: every block is allocated by
 * one thread and freed by another, the pattern of a pipeline or a work queue, which defeats allocators
 * that assume a block comes back to the thread that made it.
 *
 * <p>Each producer allocates {@code blocks} blocks in intervals of {@code handover}; the blocks of an
 * interval are dealt round-robin to the consumers, which free them in the order they were made, each
 * free waiting at replay until its block's allocation has been published (the handover). All threads meet
 * ({@link Operations.Kind#BARRIER}) between intervals, so at most an interval's blocks are live, as
 * xmalloc-test's bounded queue keeps them. Producers never wait for consumers within an interval, so the
 * waits cannot form a cycle. With no consumer (one thread, or {@code producers} equal to the threads),
 * each producer frees its own interval's blocks at its end.
 *
 * <p>Parameters (defaults): {@code blocks} (100000) per producer; {@code handover} (1000) blocks per
 * producer between meeting points; {@code producers} (0: half the threads, rounded up);
 * {@code min-size} (8) and {@code max-size} (1KiB); {@code sizes} (uniform).
 */
public final class XmallocWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "xmalloc";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "producers and consumers after xmalloc-test: some threads allocate, the others free what they made";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("blocks", 100_000, "blocks each producer allocates"),
                ParameterSpec.count("handover", 1000, "blocks each producer allocates between two meetings of all threads; consumers free them before the next"),
                ParameterSpec.count("producers", 0, "threads that allocate (0 = half the threads, rounded up); the others free"),
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
        long blocks = WorkloadParameters.count(p, "blocks", 1, WorkloadParameters.MAX_ALLOCATIONS);
        int handover = (int) WorkloadParameters.count(p, "handover", 1, 10_000_000);
        long given = WorkloadParameters.count(p, "producers", 0, 4096);
        if (given > threads) {
            throw p.invalid("producers", "is " + given + ", more than the " + threads + " threads of the run");
        }
        int producers = given == 0 ? (threads + 1) / 2 : (int) given;
        int consumers = threads - producers;
        WorkloadParameters.checkTotal(p, "blocks", (double) producers * blocks);
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");

        List<Operations.Builder> streams = Operations.builders(name, threads);
        var root = new SplittableRandom(seed);
        var random = new ArrayList<SplittableRandom>(producers);
        for (int t = 0; t < producers; t++) {
            random.add(root.split());
        }
        int alignment = (int) Allocator.DEFAULT_ALIGNMENT;
        int[][] made = new int[producers][handover];
        long dealt = 0;                                    // blocks dealt to consumers so far, for the round-robin
        for (long first = 0; first < blocks; first += handover) {
            if (first > 0) {
                streams.forEach(Operations.Builder::barrier);
            }
            int n = (int) Math.min(handover, blocks - first);
            for (int t = 0; t < producers; t++) {
                Operations.Builder ops = streams.get(t);
                for (int k = 0; k < n; k++) {
                    made[t][k] = ops.allocate(sizes.next(random.get(t)), alignment);
                }
                if (consumers == 0) {
                    for (int k = 0; k < n; k++) {
                        ops.free(made[t][k]);
                    }
                }
            }
            if (consumers > 0) {
                for (int k = 0; k < n; k++) {                   // in the order the producers make them
                    for (int t = 0; t < producers; t++) {
                        streams.get(producers + (int) (dealt++ % consumers)).free(made[t][k]);
                    }
                }
            }
        }
        return streams.stream().map(Operations.Builder::build).toList();
    }
}
