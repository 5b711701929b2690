package org.alloclab.harness.workload;

import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code random}: blocks of random sizes living a random number of allocations, with a share of
 * reallocations, in phases that end with every block freed. The classic synthetic churn of allocator
 * studies (Wilson et al., "Dynamic Storage Allocation: A Survey", which also criticises it): not a real
 * program's behaviour, but a reproducible stress of placement and reuse. Sizes are log-uniform and
 * lifetimes exponential unless {@code sizes} and {@code lifetimes} choose another
 * {@link SizeDistribution} or {@link LifetimeDistribution}; with those defaults a seed gives the same
 * operations as before the choices existed.
 *
 * <p>Parameters (defaults): {@code operations} (200000) allocations, frees and reallocations on top;
 * {@code min-size} (8) and {@code max-size} (4KiB); {@code sizes} (log-uniform); {@code mean-lifetime}
 * (500) allocations; {@code lifetimes} (exponential); {@code realloc-percent} (5); {@code phase-length}
 * (20000, 0 = one phase). What is written into each block is the experiment's {@code touch} setting.
 */
public final class RandomWorkload implements WorkloadProvider {

    /** The workload type's name. */
    public static final String NAME = "random";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "random sizes (log-uniform by default) and lifetimes (exponential by default) with reallocations, in phases ending in free-all";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("operations", 200_000, "allocations to make (frees and reallocations come on top)"),
                ParameterSpec.bytes("min-size", "8", "smallest request"),
                ParameterSpec.bytes("max-size", "4KiB", "largest request"),
                SizeDistribution.parameter(SizeDistribution.Shape.LOG_UNIFORM, "min-size and max-size"),
                ParameterSpec.count("mean-lifetime", 500, "allocations a block outlives on average"),
                LifetimeDistribution.parameter(),
                ParameterSpec.count("realloc-percent", 5, "share of operations, in percent, that resize a live block"),
                ParameterSpec.count("phase-length", 20_000, "allocations per phase; all blocks are freed at its end (0 = one phase)"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long operations = WorkloadParameters.count(p, "operations", 1, WorkloadParameters.MAX_ALLOCATIONS);
        long reallocPercent = WorkloadParameters.count(p, "realloc-percent", 0, 100);
        long phaseLength = p.count("phase-length");
        SizeDistribution sizes = SizeDistribution.from(p, "min-size", "max-size");
        LifetimeDistribution lifetimes = LifetimeDistribution.from(p, "mean-lifetime");

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        var deaths = new PriorityQueue<long[]>((a, b) -> Long.compare(a[0], b[0]));   // {death, slot}
        var live = new LiveSlots();

        for (long made = 0; made < operations; ) {
            while (!deaths.isEmpty() && deaths.peek()[0] <= made) {
                int slot = (int) deaths.poll()[1];
                if (live.remove(slot)) {
                    ops.free(slot);
                }
            }
            if (!live.isEmpty() && random.nextInt(100) < reallocPercent) {
                ops.reallocate(live.pick(random), sizes.next(random));
                continue;
            }
            int slot = ops.allocate(sizes.next(random), (int) Allocator.DEFAULT_ALIGNMENT);
            live.add(slot);
            deaths.add(new long[] {made + lifetimes.next(random), slot});
            made++;
            if (phaseLength > 0 && made % phaseLength == 0 && made < operations) {
                live.drain(ops::free);
                deaths.clear();
                ops.phaseEnd();
            }
        }
        return ops.build();   // what is still live at the end is freed by the replayer
    }
}
