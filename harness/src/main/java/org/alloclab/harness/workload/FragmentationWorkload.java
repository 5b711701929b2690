package org.alloclab.harness.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code fragmentation}: the classic test of what fragmentation costs a heap with no demand paging.
 * <ol>
 *   <li>Fill: allocate blocks of variable size until {@code fill} bytes are asked for.</li>
 *   <li>Fragment: free {@code free-percent} of them, chosen and ordered at random, so the free space is
 *       scattered in holes between survivors.</li>
 *   <li>Ask for more: {@code large-count} requests of {@code large-size} bytes each, larger than most
 *       holes.</li>
 * </ol>
 * An allocator over one plain buffer can satisfy the large requests only from holes big enough (or a
 * never-used tail); one that can reserve more address space and commit just the pages it uses — and
 * decommit pages under free holes — can place them elsewhere within the same physical budget. The
 * failures of the third step, and the committed bytes beyond the live ones when it ends, are what a
 * study compares (Despair Engine's general allocator motivated this shape).
 *
 * <p>Parameters (defaults): {@code fill} (8MiB); {@code min-size} (16) and {@code max-size} (4KiB) with
 * {@code sizes} (log-uniform); {@code free-percent} (50); {@code large-size} (64KiB);
 * {@code large-count} (48).
 */
public final class FragmentationWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "fragmentation";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "fill with variable-sized blocks, free a share of them in random order, then ask for larger blocks";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.bytes("fill", "8MiB", "bytes asked for by the first step"),
                ParameterSpec.bytes("min-size", "16", "smallest block of the first step"),
                ParameterSpec.bytes("max-size", "4KiB", "largest block of the first step"),
                SizeDistribution.parameter(SizeDistribution.Shape.LOG_UNIFORM, "min-size and max-size"),
                ParameterSpec.count("free-percent", 50, "share of the first step's blocks freed, in random order"),
                ParameterSpec.bytes("large-size", "64KiB", "size of each request of the last step"),
                ParameterSpec.count("large-count", 48, "requests of the last step"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long fill = p.bytes("fill");
        if (fill < 1 || fill > Allocator.MAX_REQUEST) {
            throw p.invalid("fill", "must be between 1 byte and " + Allocator.MAX_REQUEST);
        }
        long freePercent = WorkloadParameters.count(p, "free-percent", 0, 100);
        long largeSize = p.bytes("large-size");
        if (largeSize < 1 || largeSize > Allocator.MAX_REQUEST) {
            throw p.invalid("large-size", "must be between 1 byte and " + Allocator.MAX_REQUEST);
        }
        long largeCount = WorkloadParameters.count(p, "large-count", 0, WorkloadParameters.MAX_ALLOCATIONS);
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        var slots = new ArrayList<Integer>();
        for (long asked = 0; asked < fill; ) {
            long size = sizes.next(random);
            slots.add(ops.allocate(size, (int) Allocator.DEFAULT_ALIGNMENT));
            asked += size;
            if (slots.size() > WorkloadParameters.MAX_ALLOCATIONS) {
                throw p.invalid("fill", "needs more than " + WorkloadParameters.MAX_ALLOCATIONS + " blocks");
            }
        }
        for (int i = slots.size() - 1; i > 0; i--) {                 // a random order (Fisher-Yates)
            int j = random.nextInt(i + 1);
            Integer t = slots.get(i);
            slots.set(i, slots.get(j));
            slots.set(j, t);
        }
        long frees = slots.size() * freePercent / 100;
        for (int i = 0; i < frees; i++) {
            ops.free(slots.get(i));
        }
        for (long i = 0; i < largeCount; i++) {
            ops.allocate(largeSize, (int) Allocator.DEFAULT_ALIGNMENT);
        }
        return ops.build();
    }
}
