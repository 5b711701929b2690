package org.alloclab.debug;

import java.util.LinkedHashMap;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Sizes;

/**
 * A byte budget for one strategy instance, as an engine gives each subsystem its own space: the bytes
 * asked for in live blocks may not pass {@code bytes}. A request that would is refused as the strategy
 * refuses one it cannot serve — {@code allocate} and {@code reallocate} return 0, the heap unchanged — and
 * counted. The usage against the budget (now, at its peak, refusals) is in the stats and the report.
 */
public final class BudgetLayer extends DebugLayer implements Findings {

    /** The layer's name. */
    public static final String NAME = "budget";

    private final long budget;
    private long refusals;
    private long refusedBytes;

    BudgetLayer(Allocator inner, long budget, SiteMode sites, int siteFrames, int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
        this.budget = budget;
    }

    @Override
    protected boolean admit(long bytes) {
        if (bytes <= 0 || liveBytes() + bytes <= budget) {
            return true;
        }
        refusals++;
        refusedBytes += bytes;
        return false;
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.bytes("budget_bytes", budget, "the layer's byte budget for live blocks");
        b.count("budget_refusals", refusals, "requests refused because they would pass the budget");
        b.bytes("budget_refused_bytes", refusedBytes, "bytes those requests asked for");
    }

    @Override
    public Map<String, Object> findings() {
        AllocatorStats s = stats();
        var m = new LinkedHashMap<String, Object>();
        m.put("budget_bytes", budget);
        m.put("used_bytes", s.get(AllocatorStats.LIVE_BYTES));
        m.put("peak_used_bytes", s.get(AllocatorStats.PEAK_LIVE_BYTES));
        m.put("refusals", refusals);
        m.put("refused_bytes", refusedBytes);
        return m;
    }

    @Override
    public String toString() {
        return NAME + "(" + inner + ", " + Sizes.format(budget) + ")";
    }
}
