package org.alloclab.harness.workload;

import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code glibc-simple}: the shape of glibc's {@code benchtests/bench-malloc-simple.c}, which times
 * {@code malloc}/{@code free} of a fixed number of same-sized blocks to track the fast paths (glibc's
 * t-cache and fastbins): for each size, {@code iterations} times, allocate {@code blocks} blocks of that
 * size, then free them all in allocation order. Not a program's behaviour but a size-class fast-path
 * microbenchmark; mimalloc-bench runs it as {@code glibc-simple}.
 *
 * <p>glibc runs it with block counts 25, 100, 400 and 1600 and {@code 2000000 / blocks} iterations, for a
 * size given on the command line and twice and four times it (16, 32, 64 in mimalloc-bench). Here the
 * sizes are {@code block-size × 1, 2, …, size-multiples} (16, 32, 48, 64 by default), one after another;
 * sweep {@code blocks} and {@code block-size} in the configuration for glibc's grid. Each round ends with
 * every block freed, so a {@code PHASE_END} follows it (a strategy that frees ignores it).
 *
 * <p>The benchmark has no randomness: with the default {@code free-order} the operations are the same
 * for every seed. {@code free-order = random} frees each round in a seeded random order instead;
 * {@code reverse} newest first, as a stack.
 *
 * <p>Parameters (defaults): {@code block-size} (16); {@code size-multiples} (4); {@code blocks} (100);
 * {@code iterations} (500) per size; {@code free-order} (allocation).
 */
public final class GlibcSimpleWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "glibc-simple";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "glibc's bench-malloc-simple: allocate a number of same-sized blocks, free them all, repeat; for several sizes";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("block-size", "16", "the first size; the others are its multiples"),
                ParameterSpec.count("size-multiples", 4, "sizes run one after another: block-size times 1, 2, ..., this"),
                ParameterSpec.count("blocks", 100, "blocks allocated, then freed, per round (glibc: 25, 100, 400, 1600)"),
                ParameterSpec.count("iterations", 500, "rounds per size"),
                ParameterSpec.choice("free-order", "allocation", "the order a round's blocks are freed in (random is seeded)",
                        "allocation", "reverse", "random"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long blockSize = p.bytes("block-size");
        int multiples = (int) WorkloadParameters.count(p, "size-multiples", 1, 1024);
        int blocks = (int) WorkloadParameters.count(p, "blocks", 1, 10_000_000);
        long iterations = WorkloadParameters.count(p, "iterations", 1, WorkloadParameters.MAX_ALLOCATIONS);
        String order = p.choice("free-order");
        if (blockSize < 1 || blockSize > Allocator.MAX_REQUEST / multiples) {
            throw p.invalid("block-size", "needs 1 <= block-size and block-size x size-multiples <= " + Allocator.MAX_REQUEST);
        }
        WorkloadParameters.checkTotal(p, "iterations", (double) multiples * iterations * blocks);

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        int[] round = new int[blocks];
        for (int m = 1; m <= multiples; m++) {
            long size = blockSize * m;
            for (long it = 0; it < iterations; it++) {
                for (int i = 0; i < blocks; i++) {
                    round[i] = ops.allocate(size, (int) Allocator.DEFAULT_ALIGNMENT);
                }
                switch (order) {
                    case "reverse" -> {
                        for (int i = blocks - 1; i >= 0; i--) {
                            ops.free(round[i]);
                        }
                    }
                    case "random" -> {
                        for (int i = blocks - 1; i >= 0; i--) {                 // Fisher–Yates, freeing as it goes
                            int j = random.nextInt(i + 1);
                            int slot = round[j];
                            round[j] = round[i];
                            ops.free(slot);
                        }
                    }
                    default -> {
                        for (int i = 0; i < blocks; i++) {
                            ops.free(round[i]);
                        }
                    }
                }
                ops.phaseEnd();
            }
        }
        return ops.build();
    }
}
