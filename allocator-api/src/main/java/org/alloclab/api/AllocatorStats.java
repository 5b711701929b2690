package org.alloclab.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;

/**
 * An immutable, ordered snapshot of an allocator's metrics. The names below mean the same thing in every
 * strategy, so tools compare strategies by name; a strategy adds metrics of its own after them.
 */
public final class AllocatorStats {

    /** Sum of the requested sizes of the blocks the allocator holds (see {@link Allocator#stats()}). */
    public static final String LIVE_BYTES = "live_bytes";
    /** Highest {@link #LIVE_BYTES} since creation. */
    public static final String PEAK_LIVE_BYTES = "peak_live_bytes";
    /** Number of blocks the allocator holds. */
    public static final String LIVE_BLOCKS = "live_blocks";
    /** Bytes the allocator holds committed from its virtual memory. */
    public static final String COMMITTED_BYTES = "committed_bytes";
    /** Highest {@link #COMMITTED_BYTES} since creation. */
    public static final String PEAK_COMMITTED_BYTES = "peak_committed_bytes";
    /** Address space the allocator holds reserved. */
    public static final String RESERVED_BYTES = "reserved_bytes";
    /** Highest {@link #RESERVED_BYTES} since creation. */
    public static final String PEAK_RESERVED_BYTES = "peak_reserved_bytes";
    /** Bytes of bookkeeping kept inside the managed memory (headers, footers, padding kept for metadata). */
    public static final String OVERHEAD_BYTES = "overhead_bytes";
    /** Successful allocations, counting a moving reallocation as one. */
    public static final String ALLOCATIONS = "allocations";
    /** Requests that returned 0 because the strategy could not satisfy them. */
    public static final String FAILED_ALLOCATIONS = "failed_allocations";

    private final List<Metric> metrics;
    private final Map<String, Metric> byName;

    private AllocatorStats(List<Metric> metrics) {
        this.metrics = List.copyOf(metrics);
        var index = new LinkedHashMap<String, Metric>();
        for (Metric m : this.metrics) {
            if (index.putIfAbsent(m.name(), m) != null) {
                throw new IllegalArgumentException("metric '" + m.name() + "' appears twice");
            }
        }
        this.byName = Collections.unmodifiableMap(index);
    }

    /** A builder; metrics keep the order in which they are added. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every metric, in the strategy's order. */
    public List<Metric> metrics() {
        return metrics;
    }

    /** The value of {@code name}, or empty when this strategy does not report it. */
    public OptionalLong find(String name) {
        Metric m = byName.get(name);
        return m == null ? OptionalLong.empty() : OptionalLong.of(m.value());
    }

    /**
     * The value of {@code name}.
     *
     * @throws NoSuchElementException naming the metric and the ones that exist, when it is not reported
     */
    public long get(String name) {
        Metric m = byName.get(name);
        if (m == null) {
            throw new NoSuchElementException("no metric '" + name + "' (reported: " + byName.keySet() + ")");
        }
        return m.value();
    }

    /** The metrics as an ordered name → value map. */
    public Map<String, Long> asMap() {
        var map = new LinkedHashMap<String, Long>();
        metrics.forEach(m -> map.put(m.name(), m.value()));
        return Collections.unmodifiableMap(map);
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    /** Collects metrics in order. */
    public static final class Builder {
        private final List<Metric> metrics = new ArrayList<>();

        private Builder() {
        }

        /** Adds a byte count. */
        public Builder bytes(String name, long value, String description) {
            return add(new Metric(name, value, Metric.Unit.BYTES, description));
        }

        /** Adds a count of events or objects. */
        public Builder count(String name, long value, String description) {
            return add(new Metric(name, value, Metric.Unit.COUNT, description));
        }

        /** Adds a metric. */
        public Builder add(Metric metric) {
            metrics.add(metric);
            return this;
        }

        /** Adds every metric of {@code stats}, for decorators and composites. */
        public Builder addAll(AllocatorStats stats) {
            metrics.addAll(stats.metrics());
            return this;
        }

        /** The snapshot. @throws IllegalArgumentException when a name appears twice */
        public AllocatorStats build() {
            return new AllocatorStats(metrics);
        }
    }
}
