package org.alloclab.vmem;

import java.util.LinkedHashMap;
import java.util.Map;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

/**
 * A direct-mapped cache of committed pages between a strategy and a virtual memory, as in Despair Engine's
 * general allocator. A page the strategy decommits is not given back: it stays committed underneath and
 * takes the cache slot its page number maps to, so that when the strategy commits it again no system call
 * is made. A page that maps to an occupied slot evicts the page there, which is then really decommitted;
 * evicted pages that lie next to each other go back in one call.
 * {@link #flush()} gives every cached page back, for a program under memory pressure.
 *
 * <pre>
 *   strategy:  commit(p)  decommit(p)          slots (capacity / page), slot(p) = page number mod slots
 *                 |           |                +-------+-------+-------+-------+
 *                 v           v                |  p7   |   -   |  p2   |  p9   |   cached: committed below,
 *   cache:   hit if slot(p) = p: take it,      +-------+-------+-------+-------+   decommitted for the strategy
 *            zero it, no call; else commit     a decommit of p puts p in slot(p); the page it displaces is
 *            below                             decommitted below (one call)
 * </pre>
 *
 * <p>What the strategy sees is unchanged: a cached page is not committed for it ({@link #isCommitted}),
 * and a page it commits again reads as zero, as a fresh page does (the cache zeroes it: a memset of a
 * page costs less than the two system calls and the page fault it replaces). What the machine sees is not
 * hidden either: {@link #stats()} are the virtual memory's own, so committed bytes include the cached
 * pages, which is the memory the cache costs. {@link #counters()} say what it saved.
 *
 * <p>A simulated virtual memory under the cache can no longer report a touch of a cached page as a touch
 * of uncommitted memory: the page is committed underneath. Tests that look for such touches run without a
 * cache. Thread-safe: every call holds the cache's lock.
 */
public final class CommitCache implements VirtualMemory {

    private final VirtualMemory inner;
    private final long page;
    private final int shift;
    private final long[] slots;
    private long cached;
    private long hits;
    private long misses;
    private long evictions;
    private long decommitsAbsorbed;
    private long flushedPages;
    private long callsFromAbove;           // commit and decommit calls the strategy made
    private long callsBelow;               // commit and decommit calls the cache made below for them

    /**
     * A cache of up to {@code capacity} bytes of pages over {@code inner}.
     *
     * @throws IllegalArgumentException when {@code capacity} is less than one page of {@code inner}
     */
    public CommitCache(VirtualMemory inner, long capacity) {
        this.inner = inner;
        this.page = inner.pageSize();
        if (capacity < page) {
            throw new IllegalArgumentException("commit-cache: " + capacity + " bytes is less than one page ("
                    + page + " bytes) of the " + inner.kind() + " virtual memory");
        }
        long n = Long.highestOneBit(capacity / page);
        if (n > 1 << 26) {
            throw new IllegalArgumentException("commit-cache: " + capacity + " bytes is more than 2^26 pages");
        }
        this.slots = new long[(int) n];
        this.shift = Long.numberOfTrailingZeros(page);
    }

    /** A page's slot: its page number's low bits, so a run of up to {@code slots} pages never collides with itself. */
    private int slot(long pageAddress) {
        return (int) (pageAddress >>> shift) & (slots.length - 1);
    }

    private boolean isCached(long p) {
        return slots.length > 0 && slots[slot(p)] == p;
    }

    @Override
    public String kind() {
        return inner.kind();
    }

    @Override
    public long pageSize() {
        return page;
    }

    @Override
    public synchronized Region reserve(long bytes) {
        return inner.reserve(bytes);
    }

    /** Cached pages of the region go with it: the release gives them back. */
    @Override
    public synchronized void release(Region region) {
        if (region.bytes() / page < slots.length) {
            for (long p = region.address(); p < region.end(); p += page) {
                drop(p);
            }
        } else {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != 0 && region.contains(slots[i], page)) {
                    slots[i] = 0;
                    cached--;
                }
            }
        }
        inner.release(region);
    }

    private void drop(long p) {
        int i = slot(p);
        if (slots[i] == p) {
            slots[i] = 0;
            cached--;
        }
    }

    /**
     * Commits for the strategy: cached pages are taken from the cache and zeroed, the others are committed
     * below, one call per run of them. When a call below is refused, the runs this call committed are
     * decommitted again and the cache is left as it was: nothing changes.
     */
    @Override
    public synchronized boolean commit(long address, long bytes) {
        check(address, bytes);
        callsFromAbove++;
        long end = address + bytes;
        long[] runs = new long[8];
        int n = 0;
        long runStart = -1;
        // a page not in the cache is committed below; one the strategy committed already is committed again,
        // which the virtual memory allows, rather than asked about page by page
        for (long p = address; p <= end; p += page) {
            boolean needsCall = p < end && !isCached(p);
            if (needsCall && runStart < 0) {
                runStart = p;
            } else if (!needsCall && runStart >= 0) {
                if (n == runs.length) {
                    runs = java.util.Arrays.copyOf(runs, 2 * n);
                }
                runs[n++] = runStart;
                runs[n++] = p;
                runStart = -1;
            }
        }
        for (int i = 0; i < n; i += 2) {
            callsBelow++;
            if (!inner.commit(runs[i], runs[i + 1] - runs[i])) {
                for (int j = 0; j < i; j += 2) {
                    callsBelow++;
                    inner.decommit(runs[j], runs[j + 1] - runs[j]);
                }
                return false;
            }
        }
        for (int i = 0; i < n; i += 2) {
            misses += (runs[i + 1] - runs[i]) / page;
        }
        for (long p = address; p < end; p += page) {
            if (isCached(p)) {
                slots[slot(p)] = 0;
                cached--;
                hits++;
                inner.memory().fill(p, page, (byte) 0);
            }
        }
        return true;
    }

    /**
     * Decommits for the strategy: each page takes its slot, and the pages it displaces are decommitted
     * below, contiguous ones in one call. Pages beyond what the cache holds in one go (a range longer than
     * the cache) are decommitted below at once, in one call.
     */
    @Override
    public synchronized void decommit(long address, long bytes) {
        check(address, bytes);
        callsFromAbove++;
        long end = address + bytes;
        if (!inner.isCommitted(address, bytes)) {
            // partly committed: only committed pages may be cached, so look at each
            for (long p = address; p < end; p += page) {
                if (!isCached(p) && inner.isCommitted(p, page)) {
                    cachePages(p, p + page);
                }
            }
            return;
        }
        long cacheable = Math.min(bytes, slots.length * page);
        if (cacheable < bytes) {
            callsBelow++;
            inner.decommit(address + cacheable, bytes - cacheable);
        }
        cachePages(address, address + cacheable);
    }

    /** Puts the committed pages of {@code [from, to)} in their slots; displaced pages are decommitted below. */
    private void cachePages(long from, long to) {
        long runStart = -1;
        long runEnd = -1;
        for (long p = from; p < to; p += page) {
            if (isCached(p)) {
                continue;
            }
            int i = slot(p);
            long old = slots[i];
            if (old != 0) {
                evictions++;
                if (old == runEnd) {
                    runEnd += page;
                } else {
                    if (runStart >= 0) {
                        callsBelow++;
                        inner.decommit(runStart, runEnd - runStart);
                    }
                    runStart = old;
                    runEnd = old + page;
                }
            } else {
                cached++;
            }
            slots[i] = p;
            decommitsAbsorbed++;
        }
        if (runStart >= 0) {
            callsBelow++;
            inner.decommit(runStart, runEnd - runStart);
        }
    }

    private void check(long address, long bytes) {
        if (bytes <= 0 || address % page != 0 || bytes % page != 0) {
            throw new IllegalArgumentException("commit cache: the range " + org.alloclab.api.Sizes.hex(address) + " + "
                    + bytes + " is not made of whole pages of " + page + " bytes");
        }
    }

    @Override
    public synchronized boolean isCommitted(long address, long bytes) {
        if (!inner.isCommitted(address, bytes)) {
            return false;
        }
        for (long p = address - address % page; p < address + bytes; p += page) {
            if (isCached(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gives every cached page back to the virtual memory below.
     *
     * @return the bytes given back
     */
    public synchronized long flush() {
        long n = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != 0) {
                inner.decommit(slots[i], page);
                slots[i] = 0;
                n++;
            }
        }
        cached = 0;
        flushedPages += n;
        return n * page;
    }

    /** Bytes of pages held in the cache now: committed below, not committed for the strategy. */
    public synchronized long cachedBytes() {
        return cached * page;
    }

    /** Bytes the cache can hold. */
    public long capacity() {
        return slots.length * page;
    }

    @Override
    public synchronized long residentBytes(long address, long bytes) {
        return inner.residentBytes(address, bytes);
    }

    @Override
    public synchronized long residentBytes() {
        return inner.residentBytes();
    }

    @Override
    public Memory memory() {
        return inner.memory();
    }

    /** The virtual memory's own counters: committed bytes include the cached pages. */
    @Override
    public VirtualMemoryStats stats() {
        return inner.stats();
    }

    /**
     * What the cache did, in pages: committed from the cache (hits) and from below (misses), decommits it
     * absorbed, evictions, pages flushed; its capacity and the bytes cached now; and the system calls saved:
     * the commit and decommit calls the strategy made minus those the cache made below on their behalf
     * (evictions included; flushes are not, being the owner's own calls). The calls themselves are the
     * virtual memory's counts in {@link #stats()}.
     */
    @Override
    public synchronized Map<String, Long> counters() {
        var m = new LinkedHashMap<String, Long>();
        m.put("commit_cache_capacity_bytes", capacity());
        m.put("commit_cache_cached_bytes", cachedBytes());
        m.put("commit_cache_hits", hits);
        m.put("commit_cache_misses", misses);
        m.put("commit_cache_decommits_absorbed", decommitsAbsorbed);
        m.put("commit_cache_evictions", evictions);
        m.put("commit_cache_flushed_pages", flushedPages);
        m.put("commit_cache_syscalls_saved", callsFromAbove - callsBelow);
        return m;
    }

    /** Closes the virtual memory below (which releases every region, cached pages with them). */
    @Override
    public synchronized void close() {
        java.util.Arrays.fill(slots, 0);
        cached = 0;
        inner.close();
    }

    /**
     * {@code vm} behind a cache of {@code capacity} bytes, or {@code vm} itself when the capacity is 0: what
     * the providers' {@code commit-cache} parameter does.
     *
     * @throws IllegalArgumentException naming {@code commit-cache} when the capacity is neither 0 nor at
     *                                  least a page (the virtual memory is closed then)
     */
    public static VirtualMemory over(VirtualMemory vm, long capacity) {
        if (capacity == 0) {
            return vm;
        }
        try {
            return new CommitCache(vm, capacity);
        } catch (IllegalArgumentException e) {
            vm.close();
            throw e;
        }
    }

    /** The parameter both providers take. */
    static final org.alloclab.api.ParameterSpec PARAMETER = org.alloclab.api.ParameterSpec.bytes("commit-cache", "0",
            "a direct-mapped cache of this many bytes of committed pages: decommitted pages stay committed below"
                    + " until evicted or flushed, and are committed again without a system call; 0 for none");

    @Override
    public String toString() {
        return "commit cache of " + capacity() + " bytes over " + inner;
    }
}
