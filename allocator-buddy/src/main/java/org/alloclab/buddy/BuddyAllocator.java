package org.alloclab.buddy;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * The binary buddy allocator. Memory comes in zones of {@code 2^maxOrder} bytes, each aligned to its size.
 * A block of order {@code k} is {@code 2^k} bytes at an offset that is a multiple of {@code 2^k}; its buddy
 * is the block at {@code offset XOR 2^k}. A request takes the smallest order that holds it (and its
 * alignment), splitting a larger free block in halves as needed; a freed block merges with its buddy
 * while the buddy is free and of the same order.
 *
 * <pre>
 *   zone (2^maxOrder bytes)                 order
 *   +-------------------------------+       k+2
 *   +---------------+---------------+       k+1   split: the upper half goes on free list k+1
 *   +-------+-------+---------------+       k     a block at offset o has its buddy at o ^ 2^k
 *   | alloc | free  |     free      |
 * </pre>
 *
 * <p>Bookkeeping lives on the Java heap, not in the managed memory, so a free block's pages can be given
 * back: per zone, one byte per smallest block says whether a block starts there, its order and whether it
 * is free (O(1) buddy lookup), and two int arrays link the free lists, one list per order. A page is
 * committed when a block on it is handed out; a free block of at least a page has its pages decommitted.
 * A zone whose blocks are all free is released at once unless it is the last one, which
 * stays reserved with every page decommitted, so that a lone block does not cost a reservation, its
 * bookkeeping and a release each time. A request above a zone gets a
 * region of its own, rounded to pages.
 *
 * <p>Decommitting is lazy, with hysteresis. Decommitting each free block of a page or more as it formed
 * cost three system calls and a page fault per page whenever a program freed and reallocated such a block
 * (sqlite3's 4,104-byte page buffers, in 8 KiB blocks: 63,000 commits and as many decommits in a replay,
 * three times glibc's time). So the committed pages of free blocks ("idle" pages) stay committed while
 * they are at most {@code 1/idleShare} of the pages that allocated blocks use; past that, the largest free
 * blocks are decommitted until idle pages are half that share. Committed bytes thus stay within
 * {@code 1 + 1/idleShare} of what eager decommitting would have, a block that comes back soon reuses its
 * pages without a call or a fault, and each decommit covers many pages at once. Below the share, up to
 * {@code idleFloor} bytes of idle pages are kept whatever is in use (256 KiB by default, as a small commit
 * cache): without it, a program that frees its last block and allocates again — a loop of one allocation and
 * its free — paid two system calls and a page fault each time (5.7 µs against glibc's 36 ns). A heap whose
 * blocks are all freed holds at most that floor committed; {@code idleShare = 0} decommits each free block of
 * a page or more as it forms, as before.
 *
 * <p>Internal fragmentation is the price: a block is the next power of two ({@code overhead_bytes} sums
 * block size minus request). Not thread-safe.
 */
public final class BuddyAllocator extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "buddy";

    private static final int NONE = -1;

    /** One zone: its region and bookkeeping. */
    private final class Zone {
        final Region reserved;       // what was reserved (larger, for alignment)
        final long base;             // 2^maxOrder-aligned
        final byte[] state;          // per smallest block: 0 none; order + 1 free head; -(order + 1) allocated head
        final long[] requested;      // per smallest block: the requested size of an allocated head
        final int[] next;
        final int[] prev;
        final java.util.BitSet committedPages;
        final int[] head = new int[maxOrder + 1];
        long freeBytes;

        Zone(Region reserved, long base) {
            this.reserved = reserved;
            this.base = base;
            int blocks = 1 << (maxOrder - minOrder);
            this.state = new byte[blocks];
            this.requested = new long[blocks];
            this.next = new int[blocks];
            this.prev = new int[blocks];
            this.committedPages = new java.util.BitSet((int) (zoneBytes / page));
            java.util.Arrays.fill(head, NONE);
        }
    }

    private final VirtualMemory vm;
    private final int minOrder;
    private final int maxOrder;
    private final long zoneBytes;
    private final long page;
    private final TreeMap<Long, Zone> zones = new TreeMap<>();
    /**
     * The zones in address order, as an array: the search for a free block walks it on every allocation,
     * which through the map's iterator cost more than the search itself. Rebuilt when a zone comes or goes.
     */
    private Zone[] zoneArray = new Zone[0];
    /** The zone of the last free or lookup: a program frees mostly where it allocated last, so this spares a map lookup. */
    private Zone lastZone;
    private final Map<Long, Region> large = new HashMap<>();      // payload address -> region
    private final Map<Long, Long> largeRequested = new HashMap<>();

    private long liveBytes;
    private long peakLiveBytes;
    private long liveBlocks;
    private long blockBytes;
    private long committed;
    private long peakCommitted;
    private long reserved;
    private long allocations;
    private long failedAllocations;
    private final int pageOrder;          // the order of a block of one page (at least minOrder)
    private final long idleShare;
    private final long idleFloor;
    private long idle;                    // committed bytes lying wholly in free blocks of a page or more
    private long purges;

    /**
     * @param minOrder the smallest block is {@code 2^minOrder} bytes (at least 8)
     * @param maxOrder a zone is {@code 2^maxOrder} bytes; larger requests get regions of their own
     */
    public BuddyAllocator(VirtualMemory vm, int minOrder, int maxOrder) {
        this(vm, minOrder, maxOrder, 16, 256 * 1024);
    }

    /**
     * @param minOrder  the smallest block is {@code 2^minOrder} bytes (at least 8)
     * @param maxOrder  a zone is {@code 2^maxOrder} bytes; larger requests get regions of their own
     * @param idleShare committed pages of free blocks are kept up to {@code 1/idleShare} of the pages in
     *                  use; 0 decommits every free block of a page or more as it forms
     * @param idleFloor bytes of such pages kept whatever is in use (with {@code idleShare > 0})
     */
    public BuddyAllocator(VirtualMemory vm, int minOrder, int maxOrder, long idleShare, long idleFloor) {
        super(NAME, EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET,
                Capability.WALK_BLOCKS));
        if (minOrder < 3 || maxOrder < minOrder || maxOrder - minOrder > 24 || maxOrder > 40) {
            throw new IllegalArgumentException(NAME + ": needs 3 <= min-order <= max-order <= 40 and at most 24 orders"
                    + " between them, was " + minOrder + ", " + maxOrder);
        }
        if ((1L << maxOrder) < vm.pageSize()) {
            throw new IllegalArgumentException(NAME + ": a zone (2^max-order = " + (1L << maxOrder)
                    + " bytes) must hold at least a page of the virtual memory (" + vm.pageSize() + " bytes)");
        }
        this.vm = vm;
        this.minOrder = minOrder;
        this.maxOrder = maxOrder;
        this.zoneBytes = 1L << maxOrder;
        this.page = vm.pageSize();
        if (idleShare < 0) {
            throw new IllegalArgumentException(NAME + ": idle-share must be 0 or more, was " + idleShare);
        }
        this.idleShare = idleShare;
        if (idleFloor < 0) {
            throw new IllegalArgumentException(NAME + ": idle-floor must be 0 or more, was " + idleFloor);
        }
        this.idleFloor = idleFloor;
        this.pageOrder = Math.max(minOrder, Long.numberOfTrailingZeros(page));
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    // ---- free lists (per zone, per order, doubly linked through the zone's arrays) ----------------------

    private void push(Zone z, int index, int order) {
        z.state[index] = (byte) (order + 1);
        z.prev[index] = NONE;
        z.next[index] = z.head[order];
        if (z.head[order] != NONE) {
            z.prev[z.head[order]] = index;
        }
        z.head[order] = index;
        z.freeBytes += 1L << order;
    }

    private void unlink(Zone z, int index, int order) {
        int p = z.prev[index];
        int n = z.next[index];
        if (p == NONE) {
            z.head[order] = n;
        } else {
            z.next[p] = n;
        }
        if (n != NONE) {
            z.prev[n] = p;
        }
        z.state[index] = 0;
        z.freeBytes -= 1L << order;
    }

    // ---- allocation -----------------------------------------------------------------------------------

    private int orderFor(long size, long alignment) {
        long need = Math.max(Math.max(size, alignment), 1L << minOrder);
        return 64 - Long.numberOfLeadingZeros(need - 1);
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        int order = orderFor(size, alignment);
        if (order > maxOrder) {
            return allocateLarge(size, alignment);
        }
        Zone z = null;
        int o = order;
        search:
        for (; o <= maxOrder; o++) {
            for (Zone candidate : zoneArray) {
                if (candidate.head[o] != NONE) {
                    z = candidate;
                    break search;
                }
            }
        }
        if (z == null) {
            z = addZone();
            if (z == null) {
                failedAllocations++;
                return 0;
            }
            o = maxOrder;
        }
        int index = z.head[o];
        unlink(z, index, o);
        boolean fromIdle = o >= pageOrder;                     // its committed pages were idle until now
        while (o > order) {                                    // split, keeping the lower half
            o--;
            push(z, index + (1 << (o - minOrder)), o);
        }
        long address = z.base + ((long) index << minOrder);
        if (fromIdle) {
            idle -= committedIn(z, address, 1L << order);
        }
        if (!commitFor(z, address, 1L << order)) {
            release(z, index, order);
            failedAllocations++;
            return 0;
        }
        z.state[index] = (byte) -(order + 1);
        z.requested[index] = size;
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        liveBlocks++;
        blockBytes += 1L << order;
        allocations++;
        return address;
    }

    private Zone addZone() {
        long want = zoneBytes + zoneBytes - page;                // room to align the zone to its size
        Region r = vm.reserve(want);
        if (r == null) {
            return null;
        }
        long base = Sizes.alignUp(r.address(), zoneBytes);
        Zone z = new Zone(r, base);
        zones.put(base, z);
        zoneArray = zones.values().toArray(new Zone[0]);
        reserved += r.bytes();
        push(z, 0, maxOrder);
        return z;
    }

    /**
     * The committed bytes of the pages that {@code [address, address + bytes)} touches: when that block
     * leaves or joins the free blocks of a page or more, these are the bytes that stop or start being idle
     * (a block below a page touches one page, which holds no other allocated block once the block's
     * merges reach a page).
     */
    private long committedIn(Zone z, long address, long bytes) {
        int from = (int) ((Sizes.alignDown(address, page) - z.base) / page);
        int to = (int) ((Sizes.alignUp(address + bytes, page) - z.base) / page);
        long pages = 0;
        for (int p = z.committedPages.nextSetBit(from); p >= 0 && p < to; ) {
            int q = z.committedPages.nextClearBit(p);
            pages += Math.min(q, to) - p;
            p = q < to ? z.committedPages.nextSetBit(q) : -1;
        }
        return pages * page;
    }

    /** Commits the pages of {@code [address, address + bytes)} not yet committed. */
    private boolean commitFor(Zone z, long address, long bytes) {
        long first = Sizes.alignDown(address, page);
        long end = Sizes.alignUp(address + bytes, page);
        long runStart = -1;
        for (long p = first; p <= end; p += page) {
            boolean missing = p < end && !z.committedPages.get((int) ((p - z.base) / page));
            if (missing && runStart < 0) {
                runStart = p;
            } else if (!missing && runStart >= 0) {
                if (!vm.commit(runStart, p - runStart)) {
                    return false;          // pages of earlier runs stay committed and recorded: still correct
                }
                z.committedPages.set((int) ((runStart - z.base) / page), (int) ((p - z.base) / page));
                committed += p - runStart;
                peakCommitted = Math.max(peakCommitted, committed);
                runStart = -1;
            }
        }
        return true;
    }

    private long allocateLarge(long size, long alignment) {
        long bytes = Sizes.alignUp(size, page);
        long slack = Math.max(0, alignment - page);
        Region r = vm.reserve(bytes + slack);
        if (r == null) {
            failedAllocations++;
            return 0;
        }
        long address = Sizes.alignUp(r.address(), Math.max(alignment, page));
        if (!vm.commit(address, bytes)) {
            vm.release(r);
            failedAllocations++;
            return 0;
        }
        large.put(address, r);
        largeRequested.put(address, size);
        reserved += r.bytes();
        committed += bytes;
        peakCommitted = Math.max(peakCommitted, committed);
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        liveBlocks++;
        blockBytes += bytes;
        allocations++;
        return address;
    }

    // ---- free --------------------------------------------------------------------------------------

    /** The zone and block index of the allocated block at {@code address}, or an InvalidFreeException. */
    private int headOf(Zone z, long address, String what) {
        long offset = address - z.base;
        if (offset < 0 || offset >= zoneBytes || (offset & ((1L << minOrder) - 1)) != 0) {
            throw invalidFree(address, "it is not the start of a block of this allocator (" + what + ")");
        }
        int index = (int) (offset >>> minOrder);
        byte s = z.state[index];
        if (s >= 0) {
            throw invalidFree(address, s > 0 ? "it is already free (" + what + ")"
                    : "it is inside a block, not at its start (" + what + ")");
        }
        return index;
    }

    private Zone zoneOf(long address) {
        Zone z = lastZone;
        if (z != null && address - z.base >= 0 && address - z.base < zoneBytes) {
            return z;
        }
        var e = zones.floorEntry(address);
        z = e != null && address < e.getKey() + zoneBytes ? e.getValue() : null;
        if (z != null) {
            lastZone = z;
        }
        return z;
    }

    @Override
    protected void doFree(long address) {
        Zone z = zoneOf(address);                  // first: a large block's region is never inside a zone
        if (z == null) {
            if (large.containsKey(address)) {
                freeLarge(address);
                return;
            }
            throw invalidFree(address, "it lies in none of the buddy zones");
        }
        int index = headOf(z, address, "free");
        int order = -z.state[index] - 1;
        liveBytes -= z.requested[index];
        liveBlocks--;
        blockBytes -= 1L << order;
        z.requested[index] = 0;
        z.state[index] = 0;
        release(z, index, order);
    }

    /**
     * Makes the block at {@code index} free: merges it, counts its committed pages as idle when it ends in
     * a free block of a page or more, releases its zone when the zone is wholly free (and not the last),
     * and decommits when idle pages have passed their share.
     */
    private void release(Zone z, int index, int order) {
        long address = z.base + ((long) index << minOrder);
        push(z, index, order);
        int merged = mergeFrom(z, index, order);
        if (merged >= pageOrder) {
            idle += committedIn(z, address, 1L << order);
        }
        if (merged == maxOrder && zones.size() > 1) {
            releaseZone(z);
        }
        long limit = idleLimit(committed - idle);
        if (idle > limit) {
            purge(idleShare == 0 ? 0 : Math.max(idleFloor / 2, (committed - idle) / (2 * idleShare)));
        }
    }

    /** The idle bytes allowed beside {@code inUse} bytes of pages in use (see the class comment). */
    private long idleLimit(long inUse) {
        return idleShare == 0 ? 0 : Math.max(idleFloor, inUse / idleShare);
    }

    /**
     * Decommits the pages of free blocks, the largest first (they are the least likely to be split again
     * soon, and each is one call for many pages), until idle bytes are at most {@code target}.
     */
    private void purge(long target) {
        purges++;
        for (int o = maxOrder; o >= pageOrder && idle > target; o--) {
            for (Zone z : zones.values()) {
                for (int i = z.head[o]; i != NONE && idle > target; i = z.next[i]) {
                    idle -= decommitRange(z, z.base + ((long) i << minOrder), 1L << o);
                }
            }
        }
    }

    /**
     * Merges the free block at {@code index} with its buddies while they are free and of its order;
     * returns the order of the free block it ends in.
     */
    private int mergeFrom(Zone z, int index, int order) {
        while (order < maxOrder) {
            int buddy = index ^ (1 << (order - minOrder));
            if (z.state[buddy] != (byte) (order + 1)) {
                break;
            }
            unlink(z, buddy, order);
            unlink(z, index, order);
            index = Math.min(index, buddy);
            order++;
            push(z, index, order);
        }
        return order;
    }

    /** Decommits the committed pages of the free block {@code [address, address + bytes)}; returns their bytes. */
    private long decommitRange(Zone z, long address, long bytes) {
        int from = (int) ((address - z.base) / page);
        int to = (int) ((address + bytes - z.base) / page);
        long done = 0;
        int p = z.committedPages.nextSetBit(from);
        while (p >= 0 && p < to) {
            int q = z.committedPages.nextClearBit(p);
            int end = Math.min(q, to);
            vm.decommit(z.base + (long) p * page, (long) (end - p) * page);
            done += (long) (end - p) * page;
            z.committedPages.clear(p, end);
            p = z.committedPages.nextSetBit(end);
        }
        committed -= done;
        return done;
    }

    /** Gives back a wholly free zone; every committed page of it was idle. */
    private void releaseZone(Zone z) {
        unlink(z, 0, maxOrder);
        long pages = (long) z.committedPages.cardinality() * page;
        committed -= pages;
        idle -= pages;
        vm.release(z.reserved);
        reserved -= z.reserved.bytes();
        zones.remove(z.base);
        zoneArray = zones.values().toArray(new Zone[0]);
        if (lastZone == z) {
            lastZone = null;
        }
    }

    private void freeLarge(long address) {
        Region r = large.remove(address);
        long size = largeRequested.remove(address);
        long bytes = Sizes.alignUp(size, page);
        vm.release(r);
        reserved -= r.bytes();
        committed -= bytes;
        liveBytes -= size;
        liveBlocks--;
        blockBytes -= bytes;
    }

    // ---- reallocate, usable size, owns ---------------------------------------------------------------

    @Override
    protected long doReallocate(long address, long newSize) {
        long usable = doUsableSize(address);
        Zone z = zoneOf(address);
        if (newSize <= usable && z != null) {
            int index = (int) ((address - z.base) >>> minOrder);
            int order = -z.state[index] - 1;
            if (orderFor(newSize, DEFAULT_ALIGNMENT) == order || newSize > usable / 2) {
                liveBytes += newSize - z.requested[index];
                peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
                z.requested[index] = newSize;
                return address;                                // still the right order: stays
            }
        }
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved == 0) {
            return 0;
        }
        vm.memory().copy(address, moved, Math.min(usable, newSize));
        doFree(address);
        return moved;
    }

    @Override
    protected long doUsableSize(long address) {
        Zone z = zoneOf(address);
        if (z == null) {
            Long size = largeRequested.get(address);
            if (size != null) {
                return Sizes.alignUp(size, page);
            }
            throw invalidFree(address, "it lies in none of the buddy zones");
        }
        int index = headOf(z, address, "usable size");
        return 1L << (-z.state[index] - 1);
    }

    @Override
    protected boolean doOwns(long address) {
        if (zoneOf(address) != null) {
            return true;
        }
        for (var e : large.entrySet()) {
            if (address >= e.getKey() && address < e.getKey() + Sizes.alignUp(largeRequested.get(e.getKey()), page)) {
                return true;
            }
        }
        return false;
    }

    // ---- reset, close --------------------------------------------------------------------------------

    @Override
    protected void doReset() {
        doClose();
        liveBytes = 0;
        liveBlocks = 0;
        blockBytes = 0;
    }

    @Override
    protected void doClose() {
        for (Zone z : zones.values()) {
            vm.release(z.reserved);
        }
        for (Region r : large.values()) {
            vm.release(r);
        }
        zones.clear();
        zoneArray = new Zone[0];
        lastZone = null;
        large.clear();
        largeRequested.clear();
        committed = 0;
        reserved = 0;
        idle = 0;
    }

    // ---- walk, stats, verify -------------------------------------------------------------------------

    @Override
    protected void doWalk(HeapVisitor visitor) {
        var all = new TreeMap<Long, long[]>();
        for (Zone z : zones.values()) {
            for (int i = 0; i < z.state.length; ) {
                byte s = z.state[i];
                int order = Math.abs(s) - 1;
                all.put(z.base + ((long) i << minOrder), new long[] {1L << order, s < 0 ? 1 : 0});
                i += 1 << (order - minOrder);
            }
        }
        large.forEach((a, r) -> all.put(a, new long[] {Sizes.alignUp(largeRequested.get(a), page), 1}));
        all.forEach((a, s) -> {
            if (s[1] == 1) {
                visitor.allocated(a, s[0]);
            } else {
                visitor.free(a, s[0]);
            }
        });
    }

    @Override
    protected AllocatorStats doStats() {
        long free = zones.values().stream().mapToLong(z -> z.freeBytes).sum();
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .count(AllocatorStats.LIVE_BLOCKS, liveBlocks, "live blocks")
                .bytes(AllocatorStats.COMMITTED_BYTES, committed, "pages committed")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted, "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, reserved, "address space held, alignment slack of zones included")
                .bytes(AllocatorStats.OVERHEAD_BYTES, blockBytes - liveBytes, "block bytes beyond the requests: rounding to powers of two")
                .bytes("free_block_bytes", free, "bytes in free blocks of the zones")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .bytes("idle_committed_bytes", idle, "committed pages of free blocks, kept for reuse (at most 1/idle-share of those in use, or idle-floor)")
                .count("purges", purges, "times idle pages passed their share and free blocks were decommitted")
                .count("zones", zones.size(), "zones of 2^max-order bytes")
                .count("large_blocks", large.size(), "requests above a zone, each in a region of its own")
                .build();
    }

    @Override
    protected void doVerify() {
        long committedPages = 0;
        long idleFound = 0;
        for (Zone z : zones.values()) {
            long covered = 0;
            long free = 0;
            for (int i = 0; i < z.state.length; ) {
                byte s = z.state[i];
                check(s != 0, "every offset of a zone is covered by a block", z.base + ((long) i << minOrder));
                int order = Math.abs(s) - 1;
                check(order >= minOrder && order <= maxOrder && (i & ((1 << (order - minOrder)) - 1)) == 0,
                        "a block is aligned to its size", z.base + ((long) i << minOrder));
                long address = z.base + ((long) i << minOrder);
                long bytes = 1L << order;
                for (int j = i + 1; j < i + (1 << (order - minOrder)); j++) {
                    check(z.state[j] == 0, "no block starts inside another", z.base + ((long) j << minOrder));
                }
                if (s > 0) {
                    free += bytes;
                    if (order < maxOrder) {
                        int buddy = i ^ (1 << (order - minOrder));
                        check(z.state[buddy] != s, "a free block's buddy is not free at its order (they would merge)", address);
                    }
                    if (bytes >= page) {
                        idleFound += committedIn(z, address, bytes);
                    }
                } else {
                    check(vm.isCommitted(Sizes.alignDown(address, page), Sizes.alignUp(address + bytes, page) - Sizes.alignDown(address, page)),
                            "an allocated block's pages are committed", address);
                }
                covered += bytes;
                i += 1 << (order - minOrder);
            }
            check(covered == zoneBytes, "a zone's blocks add up to the zone", z.base);
            check(free == z.freeBytes, "the zone's free bytes are those of its free blocks", z.base);
            committedPages += z.committedPages.cardinality();
        }
        long largeBytes = 0;
        for (var e : large.entrySet()) {
            largeBytes += Sizes.alignUp(largeRequested.get(e.getKey()), page);
        }
        check(committed == committedPages * page + largeBytes, "committed bytes are the pages recorded", 0);
        check(idle == idleFound, "idle bytes are the committed pages of free blocks of a page or more", 0);
        check(idle <= idleLimit(committed - idle),
                "idle pages stay within their share of the pages in use", 0);
        for (Zone z : zones.values()) {
            long listed = 0;
            for (int o = minOrder; o <= maxOrder; o++) {
                int steps = 0;
                for (int i = z.head[o]; i != NONE; i = z.next[i]) {
                    check(z.state[i] == (byte) (o + 1), "a free list holds free blocks of its order", z.base + ((long) i << minOrder));
                    check(++steps <= z.state.length, "a free list ends", z.base);
                    listed += 1L << o;
                }
            }
            check(listed == z.freeBytes, "the free lists hold every free block of the zone", z.base);
        }
    }

    private void check(boolean ok, String what, long at) {
        if (!ok) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what + " (at " + Sizes.hex(at) + ")");
        }
    }
}
