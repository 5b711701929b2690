package org.alloclab.debug;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;

/**
 * Fragmentation over time: every {@code every} operations (allocations, frees and reallocations) the
 * layer measures the heap, with alloclab's one definition of each metric:
 * <ul>
 *   <li><b>internal</b> = (Σ usable − Σ requested) ÷ Σ requested over live blocks (needs the strategy's
 *       {@link Capability#USABLE_SIZE}; otherwise not measured);</li>
 *   <li><b>external</b> = 1 − largest free span ÷ all free bytes, from a walk of the strategy's heap;</li>
 *   <li><b>overhead</b> = the strategy's {@code overhead_bytes} ÷ live bytes.</li>
 * </ul>
 * Each sample also keeps live and committed bytes. A sample walks the heap and asks every live block its
 * usable size, so it costs time in proportion to the heap: {@code every} trades resolution for it. The
 * series is in {@link #findings()}, which the harness charts.
 */
public final class FragmentationLayer extends DebugLayer implements Findings {

    /** The layer's name. */
    public static final String NAME = "fragmentation";

    private final long every;
    private final boolean innerUsable;
    private long operations;
    private final List<long[]> counts = new ArrayList<>();      // op, live, usable, free, largest free, overhead, committed
    private long[] last;

    FragmentationLayer(Allocator inner, long every, SiteMode sites, int siteFrames, int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
        this.every = every;
        this.innerUsable = inner.supports(Capability.USABLE_SIZE);
    }

    @Override
    protected void afterOperation() {
        if (++operations % every == 0) {
            sample();
        }
    }

    private void sample() {
        long usable = 0;
        if (innerUsable) {
            for (int slot : blocks.liveSlots()) {
                usable += inner.usableSize(blocks.base[slot]);
            }
        }
        long[] free = new long[2];
        inner.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
            }

            @Override
            public void free(long address, long bytes) {
                free[0] += bytes;
                free[1] = Math.max(free[1], bytes);
            }
        });
        AllocatorStats s = inner.stats();
        last = new long[] {operations, liveBytes(), innerUsable ? usable : -1, free[0], free[1],
                s.find(AllocatorStats.OVERHEAD_BYTES).orElse(0), s.find(AllocatorStats.COMMITTED_BYTES).orElse(0)};
        counts.add(last);
    }

    static double internal(long[] c) {
        return c[2] < 0 || c[1] == 0 ? Double.NaN : (double) (c[2] - c[1]) / c[1];
    }

    static double external(long[] c) {
        return c[3] == 0 ? 0 : 1 - (double) c[4] / c[3];
    }

    static double overhead(long[] c) {
        return c[1] == 0 ? Double.NaN : (double) c[5] / c[1];
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.count("fragmentation_samples", counts.size(), "samples of fragmentation taken");
    }

    /**
     * The samples as columns: {@code operation}, {@code live_bytes}, {@code committed_bytes},
     * {@code internal}, {@code external}, {@code overhead} (ratios; {@code null} where undefined). A last
     * sample is taken now when operations ran since the one before.
     */
    @Override
    public Map<String, Object> findings() {
        if (!isClosed() && (last == null || last[0] != operations) && operations > 0) {
            sample();
        }
        var ops = new ArrayList<Object>();
        var live = new ArrayList<Object>();
        var committed = new ArrayList<Object>();
        var internal = new ArrayList<Object>();
        var external = new ArrayList<Object>();
        var overhead = new ArrayList<Object>();
        for (long[] c : counts) {
            ops.add(c[0]);
            live.add(c[1]);
            committed.add(c[6]);
            internal.add(finite(internal(c)));
            external.add(finite(external(c)));
            overhead.add(finite(overhead(c)));
        }
        var m = new LinkedHashMap<String, Object>();
        m.put("every", every);
        m.put("operation", ops);
        m.put("live_bytes", live);
        m.put("committed_bytes", committed);
        m.put("internal", internal);
        m.put("external", external);
        m.put("overhead", overhead);
        return m;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? (Object) v : null;
    }
}
