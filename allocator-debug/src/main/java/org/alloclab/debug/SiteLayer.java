package org.alloclab.debug;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Sizes;

/**
 * Allocation sites: who allocates how much, who holds memory, who churns it. Sampled by bytes as
 * jemalloc's heap profiler samples: the gaps between samples are drawn from an exponential distribution
 * whose mean is {@code sample-bytes} (512 KiB by default), an allocation is sampled when a gap ends inside
 * it, and a sampled allocation of {@code s} bytes stands for {@code s / (1 − e^(−s/sample-bytes))} bytes —
 * its size divided by the chance it had of being sampled — so totals per site are unbiased however the
 * sizes are spread. Only a sampled allocation walks the stack; the site is the caller's first frames
 * outside alloclab's allocators ({@code site-frames} of them). {@code sample-bytes = 0} samples every
 * allocation. A replayed trace gives every allocation the site it recorded, and those are all counted
 * exactly.
 *
 * <p>Per site: allocations and bytes allocated, live bytes now and at their peak, and the churn — blocks
 * and bytes freed again. {@link #findings()} has the top sites by peak live bytes and by churn.
 */
public final class SiteLayer extends DebugLayer implements Findings {

    /** The layer's name. */
    public static final String NAME = "sites";

    private final long sampleBytes;
    private final int top;
    private final SplittableRandom random;
    private long untilSample;
    private double pendingWeight;
    private final Map<String, Site> sites = new HashMap<>();
    private Site[] siteOfSlot = new Site[64];
    private long sampled;
    private long walked;

    /** What one site did, in (estimated) bytes and blocks. */
    static final class Site {
        final String name;
        double allocations;
        double bytes;
        double live;
        double peakLive;
        double freed;
        double freedBytes;

        Site(String name) {
            this.name = name;
        }
    }

    SiteLayer(Allocator inner, long sampleBytes, int siteFrames, int top, long seed, int rememberFrees) {
        super(NAME, inner, SiteMode.RECORDED, siteFrames, rememberFrees);
        this.sampleBytes = sampleBytes;
        this.top = top;
        this.random = new SplittableRandom(seed);
        this.untilSample = nextGap();
    }

    private long nextGap() {
        if (sampleBytes <= 0) {
            return 0;
        }
        double u = random.nextDouble();
        return (long) Math.ceil(-Math.log1p(-u) * sampleBytes);
    }

    @Override
    protected Object siteFor(long size, Object recorded) {
        if (recorded != null) {
            pendingWeight = size;
            return recorded;
        }
        untilSample -= size;
        if (untilSample > 0) {
            return null;
        }
        untilSample = nextGap();
        pendingWeight = sampleBytes <= 0 ? size : size / -Math.expm1(-(double) size / sampleBytes);
        walked++;
        return Sites.describe(callerFrames());
    }

    @Override
    protected void prepare(int slot, long kept) {
        Object s = blocks.site[slot];
        if (slot >= siteOfSlot.length) {
            siteOfSlot = java.util.Arrays.copyOf(siteOfSlot, Math.max(slot + 1, siteOfSlot.length * 2));
        }
        if (s == null) {
            siteOfSlot[slot] = null;
            return;
        }
        sampled++;
        Site site = sites.computeIfAbsent(s.toString(), Site::new);
        double w = pendingWeight;
        blocks.extra[slot] = Double.doubleToRawLongBits(w);
        siteOfSlot[slot] = site;
        site.allocations += w / blocks.size[slot];
        site.bytes += w;
        site.live += w;
        site.peakLive = Math.max(site.peakLive, site.live);
    }

    private void died(int slot, boolean freed) {
        Site site = siteOfSlot[slot];
        if (site == null) {
            return;
        }
        siteOfSlot[slot] = null;
        double w = Double.longBitsToDouble(blocks.extra[slot]);
        site.live -= w;
        if (freed) {
            site.freed += w / blocks.size[slot];
            site.freedBytes += w;
        }
    }

    @Override
    protected void retire(int slot) {
        super.retire(slot);
        died(slot, true);
    }

    /** A block grown or shrunk in place stands for proportionally more or fewer bytes of its site. */
    @Override
    protected void resized(int slot, long oldSize) {
        Site site = siteOfSlot[slot];
        if (site == null) {
            return;
        }
        double w = Double.longBitsToDouble(blocks.extra[slot]);
        double grown = w * blocks.size[slot] / oldSize;
        blocks.extra[slot] = Double.doubleToRawLongBits(grown);
        site.live += grown - w;
        site.bytes += Math.max(0, grown - w);
        site.peakLive = Math.max(site.peakLive, site.live);
    }

    @Override
    protected void released(int slot) {
        died(slot, true);
    }

    @Override
    protected void forget(int slot) {
        died(slot, true);
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.count("sampled_allocations", sampled, "allocations whose site was recorded");
        b.count("sites", sites.size(), "distinct allocation sites seen");
    }

    /**
     * {@code sample_bytes}, {@code sampled_allocations}, {@code recorded} (every site came from the trace),
     * and the top sites by peak live bytes
     * ({@code by_live}) and by bytes freed again ({@code by_churn}), each a list of rows with
     * {@code site}, {@code allocations}, {@code bytes}, {@code live_bytes}, {@code peak_live_bytes},
     * {@code freed} and {@code freed_bytes} (estimates, rounded).
     */
    @Override
    public Map<String, Object> findings() {
        var m = new LinkedHashMap<String, Object>();
        m.put("sample_bytes", sampleBytes);
        m.put("sampled_allocations", sampled);
        m.put("recorded", sampled > 0 && walked == 0);
        m.put("sites", (long) sites.size());
        m.put("by_live", rows(Comparator.comparingDouble((Site s) -> s.peakLive)));
        m.put("by_churn", rows(Comparator.comparingDouble((Site s) -> s.freedBytes)));
        return m;
    }

    private List<Object> rows(Comparator<Site> order) {
        var all = new ArrayList<>(sites.values());
        all.sort(order.reversed().thenComparing(s -> s.name));
        var out = new ArrayList<Object>();
        for (Site s : all.subList(0, Math.min(top, all.size()))) {
            var row = new LinkedHashMap<String, Object>();
            row.put("site", s.name);
            row.put("allocations", Math.round(s.allocations));
            row.put("bytes", Math.round(s.bytes));
            row.put("live_bytes", Math.round(s.live));
            row.put("peak_live_bytes", Math.round(s.peakLive));
            row.put("freed", Math.round(s.freed));
            row.put("freed_bytes", Math.round(s.freedBytes));
            out.add(row);
        }
        return out;
    }

    @Override
    public String toString() {
        return NAME + "(" + inner + ", one sample per " + Sizes.format(sampleBytes) + ")";
    }
}
