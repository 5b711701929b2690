package org.alloclab.tck;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.Memory;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryProvider;
import org.alloclab.api.VirtualMemoryStats;

/**
 * A virtual memory for the TCK's own tests (the real ones live in allocator-vmem, which depends on the
 * TCK): each region is an {@link Arena} allocation, committed pages are tracked in a {@link BitSet},
 * commits past the budget or at the {@code fail-commit-at}-th call fail, and every access through
 * {@link #memory()} is checked against the committed pages.
 */
public final class TestHeap implements VirtualMemory {

    /** Provides {@code test-heap}. */
    public static final class Provider implements VirtualMemoryProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "test-heap";
        }

        @Override
        public String description() {
            return "Arena-backed virtual memory with committed-page tracking, for the TCK's own tests";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.bytes("page-size", "4KiB", "commit granularity"),
                    ParameterSpec.bytes("budget", "1GiB", "commits fail past this many committed bytes"),
                    ParameterSpec.count("fail-commit-at", 0, "the Nth commit call fails (0: never)"),
                    ParameterSpec.count("fail-reserve-at", 0, "the Nth reserve call fails (0: never)"));
        }

        @Override
        public VirtualMemory create(Parameters p) {
            long page = p.bytes("page-size");
            if (!Sizes.isPowerOfTwo(page)) {
                throw p.invalid("page-size", "must be a power of two");
            }
            return new TestHeap(page, p.bytes("budget"), p.count("fail-commit-at"), p.count("fail-reserve-at"));
        }
    }

    private record Reserved(Region region, Arena arena, MemorySegment segment, BitSet committed) {
    }

    private final long page;
    private final long budget;
    private final long failCommitAt;
    private final long failReserveAt;
    private final TreeMap<Long, Reserved> regions = new TreeMap<>();
    private long reserved;
    private long peakReserved;
    private long committed;
    private long peakCommitted;
    private long reserveAttempts;
    private long commitAttempts;
    private long reserveCalls;
    private long releaseCalls;
    private long commitCalls;
    private long decommitCalls;
    private long failedReserves;
    private long failedCommits;
    private final Memory memory = new CheckedMemory();

    TestHeap(long page, long budget, long failCommitAt, long failReserveAt) {
        this.page = page;
        this.budget = budget;
        this.failCommitAt = failCommitAt;
        this.failReserveAt = failReserveAt;
    }

    @Override
    public String kind() {
        return "test-heap";
    }

    @Override
    public long pageSize() {
        return page;
    }

    @Override
    public synchronized Region reserve(long bytes) {
        if (bytes <= 0 || bytes > Sizes.GiB) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes from the test heap");
        }
        if (++reserveAttempts == failReserveAt) {
            failedReserves++;
            return null;
        }
        long rounded = Sizes.alignUp(bytes, page);
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(rounded, page);
        Region region = new Region(segment.address(), rounded);
        regions.put(region.address(), new Reserved(region, arena, segment, new BitSet()));
        reserved += rounded;
        peakReserved = Math.max(peakReserved, reserved);
        reserveCalls++;
        return region;
    }

    @Override
    public synchronized void release(Region region) {
        Reserved r = regions.get(region.address());
        if (r == null || !r.region().equals(region)) {
            throw new IllegalArgumentException(region + " is not a region of this test heap");
        }
        regions.remove(region.address());
        committed -= r.committed().cardinality() * page;
        reserved -= region.bytes();
        r.arena().close();
        releaseCalls++;
    }

    @Override
    public synchronized boolean commit(long address, long bytes) {
        Reserved r = range(address, bytes);
        int first = (int) ((address - r.region().address()) / page);
        int count = (int) (bytes / page);
        long fresh = 0;
        for (int i = first; i < first + count; i++) {
            if (!r.committed().get(i)) {
                fresh += page;
            }
        }
        if (++commitAttempts == failCommitAt || committed + fresh > budget) {
            failedCommits++;
            return false;
        }
        r.committed().set(first, first + count);
        committed += fresh;
        peakCommitted = Math.max(peakCommitted, committed);
        commitCalls++;
        return true;
    }

    @Override
    public synchronized void decommit(long address, long bytes) {
        Reserved r = range(address, bytes);
        int first = (int) ((address - r.region().address()) / page);
        int count = (int) (bytes / page);
        for (int i = first; i < first + count; i++) {
            if (r.committed().get(i)) {
                committed -= page;
                r.committed().clear(i);
                r.segment().asSlice(i * page, page).fill((byte) 0);
            }
        }
        decommitCalls++;
    }

    @Override
    public synchronized boolean isCommitted(long address, long bytes) {
        return firstUncommitted(address, bytes) < 0;
    }

    @Override
    public synchronized long residentBytes() {
        return committed;
    }

    @Override
    public synchronized long residentBytes(long address, long bytes) {
        var below = regions.floorEntry(address);
        var above = regions.higherEntry(address);
        boolean outside = (below == null || below.getValue().region().end() <= address)
                && (above == null || above.getKey() >= address + bytes);
        if (outside && bytes > 0 && address % page == 0 && bytes % page == 0) {
            return 0;                      // a released or never reserved range: its arena is gone
        }
        Reserved r = range(address, bytes);
        int first = (int) ((address - r.region().address()) / page);
        return r.committed().get(first, first + (int) (bytes / page)).cardinality() * page;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    @Override
    public synchronized VirtualMemoryStats stats() {
        return new VirtualMemoryStats(reserved, peakReserved, committed, peakCommitted, reserveCalls, releaseCalls,
                commitCalls, decommitCalls, failedReserves, failedCommits);
    }

    @Override
    public synchronized void close() {
        for (Reserved r : List.copyOf(regions.values())) {
            release(r.region());
        }
    }

    /** The region holding the page-aligned range, or IllegalArgumentException. */
    private Reserved range(long address, long bytes) {
        if (bytes <= 0 || address % page != 0 || bytes % page != 0) {
            throw new IllegalArgumentException("[" + Sizes.hex(address) + " + " + bytes + ") is not page-aligned");
        }
        var e = regions.floorEntry(address);
        if (e == null || !e.getValue().region().contains(address, bytes)) {
            throw new IllegalArgumentException("[" + Sizes.hex(address) + " + " + bytes + ") is not inside one region");
        }
        return e.getValue();
    }

    /** The first address of the range that is not committed, or -1. */
    private long firstUncommitted(long address, long bytes) {
        if (bytes <= 0) {
            return -1;
        }
        var e = regions.floorEntry(address);
        if (e == null || !e.getValue().region().contains(address, bytes)) {
            return address;
        }
        Reserved r = e.getValue();
        long base = r.region().address();
        for (long p = Sizes.alignDown(address - base, page); p < address - base + bytes; p += page) {
            if (!r.committed().get((int) (p / page))) {
                return Math.max(address, base + p);
            }
        }
        return -1;
    }

    /** Every access checked against the committed pages. */
    private final class CheckedMemory implements Memory {

        private MemorySegment at(String access, long address, long bytes) {
            synchronized (TestHeap.this) {
                long bad = firstUncommitted(address, bytes);
                if (bad >= 0) {
                    throw new UncommittedAccessException(access, address, bytes, bad);
                }
                Reserved r = regions.floorEntry(address).getValue();
                return r.segment().asSlice(address - r.region().address(), bytes);
            }
        }

        @Override
        public byte getByte(long address) {
            return at("read", address, 1).get(ValueLayout.JAVA_BYTE, 0);
        }

        @Override
        public void putByte(long address, byte value) {
            at("write", address, 1).set(ValueLayout.JAVA_BYTE, 0, value);
        }

        @Override
        public int getInt(long address) {
            return at("read", address, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        }

        @Override
        public void putInt(long address, int value) {
            at("write", address, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
        }

        @Override
        public long getLong(long address) {
            return at("read", address, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }

        @Override
        public void putLong(long address, long value) {
            at("write", address, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        }

        @Override
        public void fill(long address, long bytes, byte value) {
            if (bytes > 0) {
                at("write", address, bytes).fill(value);
            }
        }

        @Override
        public void copy(long from, long to, long bytes) {
            if (bytes > 0) {
                MemorySegment source = at("read", from, bytes);
                MemorySegment.copy(source, 0, at("write", to, bytes), 0, bytes);
            }
        }
    }

    /** For tests that want a test heap without the registry. */
    static TestHeap of(Map<String, ?> parameters) {
        return (TestHeap) new Provider().create(parameters);
    }
}
