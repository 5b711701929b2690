package org.alloclab.harness.workload;

import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code random}: blocks of log-uniform random sizes living an exponentially distributed number of
 * allocations, with a share of reallocations, in phases that end with every block freed. The classic
 * synthetic churn of allocator studies (Wilson et al., "Dynamic Storage Allocation: A Survey"): not a
 * real program's behaviour, but a reproducible stress of placement and reuse.
 */
public final class RandomWorkload implements WorkloadProvider {

    @Override
    public String name() {
        return "random";
    }

    @Override
    public String description() {
        return "random sizes (log-uniform) and lifetimes (exponential) with reallocations, in phases ending in free-all";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("operations", 200_000, "allocations to make (frees and reallocations come on top)"),
                ParameterSpec.bytes("min-size", "8", "smallest request"),
                ParameterSpec.bytes("max-size", "4KiB", "largest request; sizes are log-uniform between the two"),
                ParameterSpec.count("mean-lifetime", 500, "allocations a block outlives on average (exponential)"),
                ParameterSpec.count("realloc-percent", 5, "share of operations, in percent, that resize a live block"),
                ParameterSpec.count("phase-length", 20_000, "allocations per phase; all blocks are freed at its end (0 = one phase)"),
                ParameterSpec.choice("touch", "first", "what is written into each new block", "none", "first", "all"));
    }

    /** What the replayer writes into each new block. */
    public static String touch(Parameters parameters) {
        return parameters.choice("touch");
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        long operations = p.count("operations");
        long minSize = p.bytes("min-size");
        long maxSize = p.bytes("max-size");
        long meanLifetime = p.count("mean-lifetime");
        long reallocPercent = p.count("realloc-percent");
        long phaseLength = p.count("phase-length");
        if (operations < 1 || operations > 50_000_000) {
            throw p.invalid("operations", "must be between 1 and 50000000");
        }
        if (minSize < 1 || minSize > maxSize || maxSize > Allocator.MAX_REQUEST) {
            throw p.invalid("min-size", "needs 1 <= min-size <= max-size (" + maxSize + ")");
        }
        if (reallocPercent > 100) {
            throw p.invalid("realloc-percent", "is a percentage, at most 100");
        }

        var random = new SplittableRandom(seed);
        var ops = Operations.builder(name);
        var deaths = new PriorityQueue<long[]>((a, b) -> Long.compare(a[0], b[0]));   // {death, slot}
        var live = new LiveSlots();
        double logMin = Math.log(minSize);
        double logSpan = Math.log(maxSize) - logMin;

        for (long made = 0; made < operations; ) {
            while (!deaths.isEmpty() && deaths.peek()[0] <= made) {
                int slot = (int) deaths.poll()[1];
                if (live.remove(slot)) {
                    ops.free(slot);
                }
            }
            if (!live.isEmpty() && random.nextInt(100) < reallocPercent) {
                ops.reallocate(live.pick(random), size(random, logMin, logSpan));
                continue;
            }
            int slot = ops.allocate(size(random, logMin, logSpan), (int) Allocator.DEFAULT_ALIGNMENT);
            live.add(slot);
            long lifetime = 1 + (long) (-Math.log(1 - random.nextDouble()) * meanLifetime);
            deaths.add(new long[] {made + lifetime, slot});
            made++;
            if (phaseLength > 0 && made % phaseLength == 0 && made < operations) {
                live.drain(ops::free);
                deaths.clear();
                ops.phaseEnd();
            }
        }
        return ops.build();   // what is still live at the end is freed by the replayer
    }

    private static long size(SplittableRandom random, double logMin, double logSpan) {
        return Math.max(1, Math.round(Math.exp(logMin + random.nextDouble() * logSpan)));
    }

    /** The live slots, with O(1) add, remove and uniform pick. */
    private static final class LiveSlots {
        private int[] slots = new int[256];
        private int[] indexOf = new int[256];   // slot -> position + 1, 0 when not live
        private int count;

        boolean isEmpty() {
            return count == 0;
        }

        void add(int slot) {
            if (slot >= indexOf.length) {
                indexOf = java.util.Arrays.copyOf(indexOf, Math.max(slot + 1, indexOf.length * 2));
            }
            if (count == slots.length) {
                slots = java.util.Arrays.copyOf(slots, count * 2);
            }
            slots[count] = slot;
            indexOf[slot] = ++count;
        }

        boolean remove(int slot) {
            int position = slot < indexOf.length ? indexOf[slot] - 1 : -1;
            if (position < 0) {
                return false;
            }
            int last = slots[--count];
            slots[position] = last;
            indexOf[last] = position + 1;
            indexOf[slot] = 0;
            return true;
        }

        int pick(SplittableRandom random) {
            return slots[random.nextInt(count)];
        }

        void drain(java.util.function.IntConsumer each) {
            for (int i = 0; i < count; i++) {
                each.accept(slots[i]);
                indexOf[slots[i]] = 0;
            }
            count = 0;
        }
    }
}
