package org.alloclab.harness.workload;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code glibc-thread}: the shape of glibc's {@code benchtests/bench-malloc-thread.c} on one thread. A
 * working set of {@code working-set} pointers, all empty at first; each step picks a random one, frees
 * its block if it holds one, and allocates a new block into it of a random size from 4 B to 32 KiB with
 * density proportional to {@code 1/size²} — half of all requests are below about 8 bytes, one in a
 * hundred above about 400. Random replacement in a fixed-size working set: a steady state of mostly
 * tiny blocks with the occasional large one, which stresses size-class fast paths and fragmentation.
 *
 * <p>glibc draws 8000 sizes and 4096 positions once and cycles through them for a fixed time; here every
 * step draws afresh from the seed, for {@code operations} steps. The blocks still held at the end are
 * freed by the replayer. The size distribution is the shared {@link SizeDistribution}'s
 * {@code inverse-square} by default and can be changed with {@code sizes}.
 *
 * <p>Parameters (defaults): {@code operations} (200000) steps; {@code working-set} (1024);
 * {@code min-size} (4); {@code max-size} (32KiB); {@code sizes} (inverse-square).
 */
public final class GlibcThreadWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "glibc-thread";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "glibc's bench-malloc-thread on one thread: replace a random block of a 1024-block working set, sizes 4 B to 32 KiB biased to small";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("operations", 200_000, "steps: free a random working-set entry's block (if any), allocate a new one"),
                ParameterSpec.count("working-set", 1024, "blocks held at once, at most"),
                ParameterSpec.bytes("min-size", "4", "smallest request"),
                ParameterSpec.bytes("max-size", "32KiB", "largest request"),
                SizeDistribution.parameter(SizeDistribution.Shape.INVERSE_SQUARE, "min-size and max-size"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long operations = WorkloadParameters.count(p, "operations", 1, WorkloadParameters.MAX_ALLOCATIONS);
        int workingSet = (int) WorkloadParameters.count(p, "working-set", 1, 10_000_000);
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        int[] held = new int[workingSet];
        Arrays.fill(held, -1);
        for (long step = 0; step < operations; step++) {
            int entry = random.nextInt(workingSet);
            if (held[entry] >= 0) {
                ops.free(held[entry]);
            }
            held[entry] = ops.allocate(sizes.next(random), (int) Allocator.DEFAULT_ALIGNMENT);
        }
        return ops.build();
    }
}
