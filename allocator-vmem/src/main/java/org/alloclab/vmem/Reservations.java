package org.alloclab.vmem;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemoryStats;

/**
 * The Java side of a virtual memory, shared by the OS and the simulated one: which regions are
 * reserved, which of their pages are committed, and the counters of {@link VirtualMemoryStats}. It
 * makes no call to any memory source; the virtual memories ({@link PagedVirtualMemory}'s templates)
 * ask it whether a call is legal, make the call, then tell it what happened.
 *
 * <h2>Layout</h2>
 * <pre>
 *   regions: TreeMap  address -&gt; Reserved
 *
 *   Reserved [address ........................................ address + bytes)
 *              page 0 | page 1 | page 2 | page 3 | ...        one page = pageSize bytes
 *   committed  1        1        0        1                   a BitSet, bit i = page i committed
 * </pre>
 * The region holding an address is {@code regions.floorEntry(address)} when the address is below its
 * end. A region has at most {@link Integer#MAX_VALUE} pages (a {@code BitSet} is indexed by
 * {@code int}); with 4 KiB pages that is 8 TiB, and larger regions need a coarser page.
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>A range handed to {@link #requireRange} must start and end on a page and lie inside one region;
 *       otherwise an {@link IllegalArgumentException} names it and nothing changes.</li>
 *   <li>Committing pages already committed counts nothing: bytes are counted once per page.</li>
 *   <li>The high-water marks are raised whenever the current values are.</li>
 * </ol>
 *
 * <h2>Locking</h2>
 * Every method is {@code synchronized} on this object, and the virtual memories hold the same monitor
 * around check, call and update, so a region cannot change between its check and its update. The
 * checked {@link org.alloclab.api.Memory} views hold it around each access too.
 */
final class Reservations {

    /** The largest reservation accepted at all: far beyond any address space, and safe to round. */
    static final long MAX_RESERVATION = 1L << 62;

    /** One reserved region and its committed pages. */
    static final class Reserved {
        final Region region;
        final BitSet committed = new BitSet();

        Reserved(Region region) {
            this.region = region;
        }
    }

    private final long pageSize;
    private final int pageShift;
    private final TreeMap<Long, Reserved> regions = new TreeMap<>();
    private boolean closed;

    private long reservedBytes;
    private long peakReservedBytes;
    private long committedBytes;
    private long peakCommittedBytes;
    private long reserveCalls;
    private long releaseCalls;
    private long commitCalls;
    private long decommitCalls;
    private long failedReserves;
    private long failedCommits;

    /** @param pageSize the unit of commit, a power of two */
    Reservations(long pageSize) {
        if (!Sizes.isPowerOfTwo(pageSize)) {
            throw new IllegalArgumentException("page size " + pageSize + " is not a power of two");
        }
        this.pageSize = pageSize;
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
    }

    long pageSize() {
        return pageSize;
    }

    // ---------------------------------------------------------------------------------------------
    // Checks

    /**
     * {@code bytes} rounded up to a whole number of pages.
     *
     * @throws IllegalArgumentException when {@code bytes} is not positive or too large to track
     */
    synchronized long roundReservation(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes: the length must be positive");
        }
        if (bytes > MAX_RESERVATION) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes: absurdly large");
        }
        long rounded = Sizes.alignUp(bytes, pageSize);
        if ((rounded >>> pageShift) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot reserve " + Sizes.format(rounded) + ": more than "
                    + Integer.MAX_VALUE + " pages of " + Sizes.format(pageSize) + " (use a coarser page)");
        }
        return rounded;
    }

    /** @throws IllegalStateException when {@link #closeAll()} has run */
    synchronized void requireOpen(String kind) {
        if (closed) {
            throw new IllegalStateException("this " + kind + " virtual memory is closed");
        }
    }

    /**
     * The region {@code region} names.
     *
     * @throws IllegalArgumentException when it is not one reserved here and not yet released
     */
    synchronized Reserved requireRegion(Region region) {
        if (region == null) {
            throw new IllegalArgumentException("cannot release null: not a region");
        }
        Reserved r = regions.get(region.address());
        if (r == null || !r.region.equals(region)) {
            throw new IllegalArgumentException("cannot release " + region + ": not a region reserved here"
                    + (r == null ? "" : " (the region at that address is " + r.region + ")")
                    + " or already released");
        }
        return r;
    }

    /**
     * The region holding the whole of {@code [address, address + bytes)}.
     *
     * @param what the operation, for the message ("commit")
     * @throws IllegalArgumentException when the range is empty, not page-aligned or not inside one region
     */
    /** Whether any reserved region shares a byte with {@code [address, address + bytes)}. */
    synchronized boolean overlapsAny(long address, long bytes) {
        Map.Entry<Long, Reserved> below = regions.floorEntry(address);
        if (below != null && below.getValue().region.end() > address) {
            return true;
        }
        Map.Entry<Long, Reserved> above = regions.higherEntry(address);
        return above != null && above.getKey() < address + bytes;
    }

    synchronized Reserved requireRange(String what, long address, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + " of " + bytes + " bytes at " + Sizes.hex(address)
                    + ": the length must be positive");
        }
        String range = what + " of [" + Sizes.hex(address) + ", " + Sizes.hex(address + bytes) + ")";
        if ((address & (pageSize - 1)) != 0 || (bytes & (pageSize - 1)) != 0) {
            throw new IllegalArgumentException(range + ": not aligned to the page size " + Sizes.format(pageSize));
        }
        Map.Entry<Long, Reserved> e = regions.floorEntry(address);
        if (e == null || !e.getValue().region.contains(address, bytes)) {
            throw new IllegalArgumentException(range + ": not inside one reserved region"
                    + (e == null || address >= e.getValue().region.end() ? "" : " (it starts in " + e.getValue().region + ")"));
        }
        return e.getValue();
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /** Bytes of {@code [address, address + bytes)} not committed; the range lies in {@code r}, on pages. */
    synchronized long uncommittedBytes(Reserved r, long address, long bytes) {
        return bytes - committedBytes(r, address, bytes);
    }

    /** Bytes of {@code [address, address + bytes)} committed; the range lies in {@code r}, on pages. */
    synchronized long committedBytes(Reserved r, long address, long bytes) {
        int from = page(r, address);
        int to = page(r, address + bytes);
        return (long) r.committed.get(from, to).cardinality() << pageShift;
    }

    /**
     * How many bytes from {@code address} on, up to {@code bytes}, are committed without a gap: the
     * whole access is legal when the answer is {@code bytes}, else {@code address + answer} is the first
     * byte that is not committed. Any address may be asked, in a region or not; the range may cross
     * from one region into an adjacent one.
     */
    synchronized long committedPrefix(long address, long bytes) {
        long done = 0;
        while (done < bytes) {
            long at = address + done; // on overflow negative: below every region, so "not committed"
            Map.Entry<Long, Reserved> e = regions.floorEntry(at);
            if (e == null) {
                return done;
            }
            Reserved r = e.getValue();
            long end = r.region.end();
            if (at >= end) {
                return done;
            }
            int page = page(r, at);
            int firstClear = r.committed.nextClearBit(page);
            if (firstClear == page) {
                return done;
            }
            long committedEnd = Math.min(r.region.address() + ((long) firstClear << pageShift), end);
            done += committedEnd - at;
        }
        return bytes;
    }

    /** Calls {@code run} for each maximal run of committed pages of {@code [address, address + bytes)} in {@code r}. */
    synchronized void forEachCommittedRun(Reserved r, long address, long bytes, RunConsumer run) {
        int to = page(r, address + bytes);
        for (int p = r.committed.nextSetBit(page(r, address)); p >= 0 && p < to; ) {
            int clear = Math.min(r.committed.nextClearBit(p), to);
            run.accept(r.region.address() + ((long) p << pageShift), (long) (clear - p) << pageShift);
            p = r.committed.nextSetBit(clear);
        }
    }

    /** A range of addresses. */
    @FunctionalInterface
    interface RunConsumer {
        void accept(long address, long bytes);
    }

    /** Every region reserved now, by address. */
    synchronized List<Reserved> all() {
        return new ArrayList<>(regions.values());
    }

    synchronized long committedBytes() {
        return committedBytes;
    }

    synchronized VirtualMemoryStats stats() {
        return new VirtualMemoryStats(reservedBytes, peakReservedBytes, committedBytes, peakCommittedBytes,
                reserveCalls, releaseCalls, commitCalls, decommitCalls, failedReserves, failedCommits);
    }

    // ---------------------------------------------------------------------------------------------
    // Updates, after the memory source said yes (or no)

    synchronized Reserved reserved(Region region) {
        var r = new Reserved(region);
        regions.put(region.address(), r);
        reserveCalls++;
        reservedBytes += region.bytes();
        peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        return r;
    }

    synchronized void reserveFailed() {
        failedReserves++;
    }

    synchronized void released(Reserved r) {
        regions.remove(r.region.address());
        releaseCalls++;
        reservedBytes -= r.region.bytes();
        committedBytes -= (long) r.committed.cardinality() << pageShift;
        r.committed.clear();
    }

    /** Marks the pages of the range committed; the range lies in {@code r}, on pages. */
    synchronized void committed(Reserved r, long address, long bytes) {
        long fresh = uncommittedBytes(r, address, bytes);
        r.committed.set(page(r, address), page(r, address + bytes));
        commitCalls++;
        committedBytes += fresh;
        peakCommittedBytes = Math.max(peakCommittedBytes, committedBytes);
    }

    synchronized void commitFailed() {
        failedCommits++;
    }

    /** Marks the pages of the range not committed; the range lies in {@code r}, on pages. */
    synchronized void decommitted(Reserved r, long address, long bytes) {
        long was = committedBytes(r, address, bytes);
        r.committed.clear(page(r, address), page(r, address + bytes));
        decommitCalls++;
        committedBytes -= was;
    }

    /** Forgets every region (the caller gave them back) and refuses further use. Idempotent. */
    synchronized void closeAll() {
        for (Reserved r : regions.values()) {
            reservedBytes -= r.region.bytes();
            committedBytes -= (long) r.committed.cardinality() << pageShift;
            r.committed.clear();
            releaseCalls++;
        }
        regions.clear();
        closed = true;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    private int page(Reserved r, long address) {
        return (int) ((address - r.region.address()) >>> pageShift);
    }
}
