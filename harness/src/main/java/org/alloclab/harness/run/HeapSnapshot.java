package org.alloclab.harness.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A strategy's heap at one moment of a replay, for the report's heap map: every span the strategy's walk
 * reports (a live block or a free span, in address order), grouped into <em>areas</em> (runs of spans with
 * no gap wider than {@link #AREA_GAP} between them, which is what a segment or a heap looks like from
 * outside), and which pages of those areas were committed. Bytes inside an area that no span covers are
 * the strategy's own (headers, fenceposts, alignment). Taken by {@link Replayer} outside the timed replay.
 *
 * @param operation      operations done when it was taken
 * @param liveBytes      live bytes (requested sizes) then
 * @param pageSize       the virtual memory's page
 * @param spanAddress    start of each span, ascending
 * @param spanBytes      bytes of each span
 * @param spanAllocated  1 for a live block, 0 for a free span
 * @param areas          pairs (start, end) of the areas, page-aligned, ascending
 * @param committed      pairs (start, end) of committed page ranges inside the areas, ascending
 */
public record HeapSnapshot(long operation, long liveBytes, long pageSize, long[] spanAddress, long[] spanBytes,
                           byte[] spanAllocated, long[] areas, long[] committed) {

    /** Two spans further apart than this start a new area. */
    public static final long AREA_GAP = 64 * Sizes.KiB;

    /** Spans beyond this many are not recorded (the map would be unreadable and the file huge). */
    static final int MAX_SPANS = 4_000_000;

    /**
     * The heap of {@code allocator} now, or null when it cannot be seen: the strategy cannot walk its
     * blocks, or its memory is not {@code vm}'s.
     */
    static HeapSnapshot take(Allocator allocator, VirtualMemory vm, long operation, long liveBytes) {
        if (!allocator.supports(Capability.WALK_BLOCKS) || allocator.supports(Capability.EXTERNAL_MEMORY)) {
            return null;
        }
        var spans = new ArrayList<long[]>();
        allocator.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                if (spans.size() < MAX_SPANS) {
                    spans.add(new long[] {address, bytes, 1});
                }
            }

            @Override
            public void free(long address, long bytes) {
                if (spans.size() < MAX_SPANS) {
                    spans.add(new long[] {address, bytes, 0});
                }
            }
        });
        spans.sort((x, y) -> Long.compare(x[0], y[0]));
        int n = spans.size();
        long[] address = new long[n];
        long[] bytes = new long[n];
        byte[] allocated = new byte[n];
        for (int i = 0; i < n; i++) {
            address[i] = spans.get(i)[0];
            bytes[i] = spans.get(i)[1];
            allocated[i] = (byte) spans.get(i)[2];
        }
        long page = vm.pageSize();
        var areas = new ArrayList<Long>();
        for (int i = 0; i < n; i++) {
            long start = Sizes.alignDown(address[i], page);
            long end = Sizes.alignUp(address[i] + bytes[i], page);
            int last = areas.size() - 1;
            if (last > 0 && start - areas.get(last) <= AREA_GAP) {
                areas.set(last, Math.max(areas.get(last), end));
            } else {
                areas.add(start);
                areas.add(end);
            }
        }
        var committed = new ArrayList<Long>();
        for (int i = 0; i < areas.size(); i += 2) {
            long runStart = -1;
            for (long p = areas.get(i); p < areas.get(i + 1); p += page) {
                boolean c = vm.isCommitted(p, page);
                if (c && runStart < 0) {
                    runStart = p;
                } else if (!c && runStart >= 0) {
                    committed.add(runStart);
                    committed.add(p);
                    runStart = -1;
                }
            }
            if (runStart >= 0) {
                committed.add(runStart);
                committed.add(areas.get(i + 1));
            }
        }
        return new HeapSnapshot(operation, liveBytes, page, address, bytes, allocated, toArray(areas), toArray(committed));
    }

    private static long[] toArray(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    /** Bytes of all areas. */
    public long areaBytes() {
        long sum = 0;
        for (int i = 0; i < areas.length; i += 2) {
            sum += areas[i + 1] - areas[i];
        }
        return sum;
    }

    /** Whether the page at {@code address} was committed: a binary search of {@link #committed}. */
    public boolean committedAt(long address) {
        int lo = 0;
        int hi = committed.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (committed[2 * mid + 1] <= address) {
                lo = mid + 1;
            } else if (committed[2 * mid] > address) {
                hi = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** As plain values for JSON, addresses as numbers, arrays as columns. */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("operation", operation);
        m.put("live_bytes", liveBytes);
        m.put("page_size", pageSize);
        m.put("areas", areas);
        m.put("committed", committed);
        var columns = new LinkedHashMap<String, Object>();
        columns.put("address", spanAddress);
        columns.put("bytes", spanBytes);
        columns.put("allocated", toInts(spanAllocated));
        m.put("spans", columns);
        return m;
    }

    private static int[] toInts(byte[] b) {
        int[] r = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[i];
        }
        return r;
    }

    /** The inverse of {@link #toMap()}, from what a JSON reader made of it. */
    @SuppressWarnings("unchecked")
    public static HeapSnapshot fromMap(Map<String, Object> m) {
        var spans = (Map<String, Object>) m.get("spans");
        List<Number> allocated = (List<Number>) spans.get("allocated");
        byte[] a = new byte[allocated.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = allocated.get(i).byteValue();
        }
        return new HeapSnapshot(((Number) m.get("operation")).longValue(), ((Number) m.get("live_bytes")).longValue(),
                ((Number) m.get("page_size")).longValue(), longs(spans.get("address")), longs(spans.get("bytes")), a,
                longs(m.get("areas")), longs(m.get("committed")));
    }

    @SuppressWarnings("unchecked")
    private static long[] longs(Object o) {
        return ((List<Number>) o).stream().mapToLong(Number::longValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeapSnapshot s && operation == s.operation && liveBytes == s.liveBytes
                && pageSize == s.pageSize && Arrays.equals(spanAddress, s.spanAddress)
                && Arrays.equals(spanBytes, s.spanBytes) && Arrays.equals(spanAllocated, s.spanAllocated)
                && Arrays.equals(areas, s.areas) && Arrays.equals(committed, s.committed);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(operation) * 31 + Arrays.hashCode(spanAddress);
    }

    @Override
    public String toString() {
        return "heap at operation " + operation + ": " + spanAddress.length + " spans in " + areas.length / 2 + " areas";
    }
}
