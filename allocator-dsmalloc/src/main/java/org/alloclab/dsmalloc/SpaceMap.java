package org.alloclab.dsmalloc;

import java.util.concurrent.locks.StampedLock;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;

/**
 * The common allocator's address map: which space reserved the region an address lies in. Every space
 * reserves its segments through its own {@link SpaceMemory}, which records each region here when it is
 * reserved and drops it when it is released, so the map always matches what the spaces hold, whatever
 * they do inside.
 *
 * <pre>
 *   regions of exactly one VM page (the small spaces' segments)      other regions (the large space's)
 *   open-addressing table, linear probing                             sorted by start, binary search
 *   +------+------+------+------+------+                               start   end     space
 *   | pg:7 |  -   | pg:3 | pg:9 |  -   |   key = address / page         0x7f00  0x9f00  20
 *   | sp:2 |      | sp:0 | sp:2 |      |   value = space index          0xa300  0xc300  20
 *   +------+------+------+------+------+
 * </pre>
 *
 * <p>Cost of {@link #find(long)}: one hash probe (usually one slot) for an address in a small space's
 * segment; otherwise that probe plus a binary search over the few multi-page regions. Insertions and
 * removals: O(1) amortised in the table, O(n) array moves among the multi-page regions (a handful of
 * 32 MiB segments and own-segment blocks). No memory of the managed heap is used.
 *
 * <p>Thread safety: writers (a space reserving or releasing a segment, under that space's lock) take a
 * {@link StampedLock}'s write lock; readers (a free looking for its space) read optimistically and
 * retry under the read lock when a write overlapped, so frees of different spaces do not serialise here.
 */
final class SpaceMap {

    private final long page;
    private final int pageShift;
    private final StampedLock lock = new StampedLock();

    /** Pairs (page number, space index); page number 0 marks an empty slot (no region starts at 0). */
    private long[] table = new long[2 * 64];
    private int tableCount;

    /** Triples (start, end, space index) sorted by start. */
    private long[] big = new long[3 * 8];
    private int bigCount;

    SpaceMap(long page) {
        this.page = page;
        this.pageShift = Long.numberOfTrailingZeros(page);
    }

    // ---- writes ----------------------------------------------------------------------------------

    void add(Region r, int space) {
        long stamp = lock.writeLock();
        try {
            if (r.bytes() == page) {
                if (2 * (tableCount + 1) > table.length / 2) {             // load factor 1/2
                    rehash(table.length * 2);
                }
                put(table, r.address() >>> pageShift, space);
                tableCount++;
            } else {
                if (3 * (bigCount + 1) > big.length) {
                    long[] grown = new long[big.length * 2];
                    System.arraycopy(big, 0, grown, 0, 3 * bigCount);
                    big = grown;
                }
                int i = bigCount;
                while (i > 0 && big[3 * (i - 1)] > r.address()) {
                    i--;
                }
                System.arraycopy(big, 3 * i, big, 3 * (i + 1), 3 * (bigCount - i));
                big[3 * i] = r.address();
                big[3 * i + 1] = r.end();
                big[3 * i + 2] = space;
                bigCount++;
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    void remove(Region r) {
        long stamp = lock.writeLock();
        try {
            if (r.bytes() == page) {
                if (removeKey(table, r.address() >>> pageShift)) {
                    tableCount--;
                }
            } else {
                int i = bigIndex(big, bigCount, r.address());
                if (i >= 0 && big[3 * i] == r.address()) {
                    System.arraycopy(big, 3 * (i + 1), big, 3 * i, 3 * (bigCount - i - 1));
                    bigCount--;
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    void clear() {
        long stamp = lock.writeLock();
        try {
            table = new long[2 * 64];
            tableCount = 0;
            big = new long[3 * 8];
            bigCount = 0;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private void rehash(int length) {
        long[] old = table;
        long[] t = new long[length];
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0) {
                put(t, old[i], (int) old[i + 1]);
            }
        }
        table = t;                                                   // one reference: readers see old or new
    }

    private static int slot(long key, long[] t) {
        int slots = t.length >>> 1;
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - Integer.numberOfTrailingZeros(slots)));
    }

    private static void put(long[] t, long key, int value) {
        int mask = (t.length >>> 1) - 1;
        int i = slot(key, t);
        while (t[2 * i] != 0 && t[2 * i] != key) {
            i = (i + 1) & mask;
        }
        t[2 * i] = key;
        t[2 * i + 1] = value;
    }

    /** Linear-probing removal with backward shift: no tombstones, probes stay short. */
    private static boolean removeKey(long[] t, long key) {
        int mask = (t.length >>> 1) - 1;
        int i = slot(key, t);
        while (t[2 * i] != key) {
            if (t[2 * i] == 0) {
                return false;
            }
            i = (i + 1) & mask;
        }
        t[2 * i] = 0;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long k = t[2 * j];
            if (k == 0) {
                return true;
            }
            int home = slot(k, t);
            boolean stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!stays) {
                t[2 * i] = k;
                t[2 * i + 1] = t[2 * j + 1];
                t[2 * j] = 0;
                i = j;
            }
        }
    }

    // ---- reads -----------------------------------------------------------------------------------

    /** The index of the space whose region holds {@code address}, or -1 when none does. */
    int find(long address) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            int found;
            try {
                found = lookup(address);
            } catch (RuntimeException torn) {                     // a write moved arrays under the read
                found = -2;
            }
            if (found != -2 && lock.validate(stamp)) {
                return found;
            }
        }
        stamp = lock.readLock();
        try {
            return lookup(address);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Reads each array once; every loop is bounded, so a torn read ends (and is then not validated). */
    private int lookup(long address) {
        long[] t = table;
        int slots = t.length >>> 1;
        long key = address >>> pageShift;
        int i = slot(key, t);
        for (int n = 0; key != 0 && n < slots; n++) {
            long k = t[2 * i];
            if (k == key) {
                return (int) t[2 * i + 1];
            }
            if (k == 0) {
                break;
            }
            i = (i + 1) & (slots - 1);
        }
        long[] b = big;
        int count = Math.min(bigCount, b.length / 3);
        int j = bigIndex(b, count, address);
        if (j >= 0 && address < b[3 * j + 1]) {
            return (int) b[3 * j + 2];
        }
        return -1;
    }

    /** The last region starting at or before {@code address}, or -1. */
    private static int bigIndex(long[] b, int count, long address) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (b[3 * mid] <= address) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    // ---- verification ----------------------------------------------------------------------------

    /** Regions held, all kinds. Callers hold every space's lock (no writer runs). */
    int regions() {
        return tableCount + bigCount;
    }

    /**
     * Checks the map's own structure and calls {@code perRegion} with (space, start, bytes) for each
     * region, so the caller can compare with the spaces.
     */
    void check(RegionVisitor perRegion) {
        long stamp = lock.readLock();
        try {
            int seen = 0;
            for (int i = 0; i < table.length; i += 2) {
                long k = table[i];
                if (k == 0) {
                    continue;
                }
                seen++;
                int home = slot(k, table);
                int mask = (table.length >>> 1) - 1;
                for (int s = home; s != i >>> 1; s = (s + 1) & mask) {
                    check(table[2 * s] != 0, "a page region is reachable from its hash slot", k << pageShift);
                }
                perRegion.region((int) table[i + 1], k << pageShift, page);
            }
            check(seen == tableCount, "the page table counts its regions", seen);
            for (int i = 0; i < bigCount; i++) {
                long start = big[3 * i];
                long end = big[3 * i + 1];
                check(end > start, "a region is not empty", start);
                check(i == 0 || big[3 * (i - 1) + 1] <= start, "multi-page regions are sorted and disjoint", start);
                check(lookupKey(start) < 0, "a multi-page region does not start on a mapped page", start);
                perRegion.region((int) big[3 * i + 2], start, end - start);
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private int lookupKey(long address) {
        long key = address >>> pageShift;
        int mask = (table.length >>> 1) - 1;
        for (int i = slot(key, table); table[2 * i] != 0; i = (i + 1) & mask) {
            if (table[2 * i] == key) {
                return (int) table[2 * i + 1];
            }
        }
        return -1;
    }

    /** Each region of the map. */
    interface RegionVisitor {
        void region(int space, long start, long bytes);
    }

    private static void check(boolean ok, String what, long at) {
        if (!ok) {
            throw new IllegalStateException(CommonAllocator.NAME + ": broken invariant of the address map: " + what
                    + " (at " + Sizes.hex(at) + ")");
        }
    }
}
