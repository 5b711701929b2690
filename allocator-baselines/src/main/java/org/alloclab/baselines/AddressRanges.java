package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.util.Map;
import java.util.TreeMap;

/**
 * The address space a native heap took from the system, as its own hooks reported it (jemalloc's extent
 * hooks, tcmalloc's sbrk and mmap hooks): a set of disjoint page-aligned ranges, adjacent ones merged,
 * and the count of their resident pages. A range given back ({@code munmap}, an extent deallocated) is
 * taken out, whole or in part.
 *
 * <p>Thread-safe: the hooks run on whichever thread grew the heap, {@link #resident()} on the one asking
 * for statistics. Both are rare next to allocations: a heap grows in steps of a megabyte and more.
 */
final class AddressRanges {

    /** Pages one mincore call covers: 64 MiB of 4 KiB pages. */
    private static final long PAGES_PER_CALL = 1 << 14;

    private final TreeMap<Long, Long> ranges = new TreeMap<>();   // start → end, disjoint, not adjacent
    private final Arena arena = Arena.ofAuto();
    private final Mincore mincore = new Mincore(arena, PAGES_PER_CALL);
    private final long page = mincore.page();
    private long bytes;

    /** Adds {@code [start, start + length)}, widened to whole pages. */
    synchronized void add(long start, long length) {
        if (length <= 0) {
            return;
        }
        long from = start & -page;
        long to = (start + length + page - 1) & -page;
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            from = before.getKey();
            to = Math.max(to, before.getValue());
            bytes -= before.getValue() - before.getKey();
            ranges.remove(before.getKey());
        }
        for (Map.Entry<Long, Long> next = ranges.ceilingEntry(from); next != null && next.getKey() <= to;
             next = ranges.ceilingEntry(from)) {
            to = Math.max(to, next.getValue());
            bytes -= next.getValue() - next.getKey();
            ranges.remove(next.getKey());
        }
        ranges.put(from, to);
        bytes += to - from;
    }

    /** Takes {@code [start, start + length)} out, narrowed to whole pages. */
    synchronized void remove(long start, long length) {
        if (length <= 0) {
            return;
        }
        long from = (start + page - 1) & -page;
        long to = (start + length) & -page;
        if (from >= to) {
            return;
        }
        Map.Entry<Long, Long> e = ranges.lowerEntry(to);
        while (e != null && e.getValue() > from) {
            long s = e.getKey();
            long t = e.getValue();
            ranges.remove(s);
            bytes -= t - s;
            if (s < from) {
                ranges.put(s, from);
                bytes += from - s;
            }
            if (t > to) {
                ranges.put(to, t);
                bytes += t - to;
            }
            e = ranges.lowerEntry(Math.min(s, to));
        }
    }

    /** Whether {@code address} lies in one of the ranges. */
    synchronized boolean contains(long address) {
        Map.Entry<Long, Long> e = ranges.floorEntry(address);
        return e != null && address < e.getValue();
    }

    /** Bytes of address space in the ranges. */
    synchronized long bytes() {
        return bytes;
    }

    /** How many disjoint ranges. */
    synchronized int count() {
        return ranges.size();
    }

    /** Resident bytes of the ranges now, by {@code mincore}. */
    synchronized long resident() {
        long total = 0;
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            total += mincore.resident(e.getKey(), e.getValue() - e.getKey());
        }
        return total;
    }
}
