package org.alloclab.dsmalloc;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.vmem.CommitCache;

/**
 * dsmalloc: a general-purpose boundary-tag allocator in the manner of Doug Lea's dlmalloc that knows
 * reserved address space from committed memory. It fights fragmentation with virtual memory: the pages
 * under free chunks are decommitted the moment they hold nothing, and a segment whose last block is
 * freed goes back to the system at once.
 *
 * <h2>Glossary</h2>
 * <ul>
 *   <li><b>page</b> — the unit of commit and decommit ({@code page-size}, the virtual memory's page by
 *       default).</li>
 *   <li><b>segment</b> — one region reserved from the {@link VirtualMemory}: {@code segment-size} bytes,
 *       or a region of its own (rounded to pages) for a request above {@code segment-threshold}, or one
 *       caller-sized base segment ({@code base-segment}) that the space never grows past. Segments are
 *       never coalesced with each other.</li>
 *   <li><b>chunk</b> — a run of a segment, a multiple of 16 bytes and at least {@value #MIN_CHUNK} long,
 *       starting with an 8-byte header 8 bytes before a 16-byte boundary, so every payload is 16-byte
 *       aligned (what {@code malloc} promises on x86-64, and what trace replay asks for). Chunks tile
 *       their segment exactly, from one pad word past its start to one pad word before its end.</li>
 *   <li><b>interior</b> of a free chunk {@code [c, e)} — the whole pages of
 *       {@code [c + 24, e - 8)}: everything but its header, its two links and its footer. A segment's
 *       last chunk needs no footer (nothing follows it to coalesce backwards), so its interior runs to
 *       the segment's end.</li>
 * </ul>
 *
 * <h2>Chunk layout</h2>
 * <pre>
 *   in-use chunk                                 free chunk
 *   c    +--------------------------------+      c    +--------------------------------+
 *        | header: size | flags | chk | sl|           | header: size | flags           |
 *   c+8  +--------------------------------+ &lt;-  c+8  +--------------------------------+
 *        |                                | block     | next free in bin (address)     |
 *        |  payload: size - 8 bytes,      |      c+16 +--------------------------------+
 *        |  all of it the caller's        |           | previous free in bin (address) |
 *        |  (its last word is where the   |      c+24 +- - - - - - - - - - - - - - - - +
 *        |  footer would be)              |           | pages wholly in here are       |
 *        |                                |           | DECOMMITTED                    |
 *        |                                |      e-8  +- - - - - - - - - - - - - - - - +
 *        |                                |           | footer: size                   |
 *   e    +--------------------------------+      e    +--------------------------------+
 *
 *   header word (64 bits)
 *   63      56 55   49 48 47                                        3  2  1  0
 *   +---------+-------+--+-------------------------------------------+--+--+--+
 *   |  slack  | check |L |                size / 8                   |F |P |C |
 *   +---------+-------+--+-------------------------------------------+--+--+--+
 *   C CINUSE  this chunk is in use           L LAST   last chunk of its segment
 *   P PINUSE  the previous chunk is in use   F FIRST  first chunk of its segment
 *   check     7 bits hashed from the chunk's address (in use only): catches a free of a stray pointer
 *   slack     usable size - requested size (in use only, always below 64): makes live_bytes exact
 *
 *   segment:  | pad | chunk | chunk | ... | chunk | pad |     (pad: 8 unused bytes)
 *             start  ^FIRST                 LAST^       end
 * </pre>
 * As in dlmalloc, an in-use chunk costs one word: the footer exists only while a chunk is free (the
 * next chunk's PINUSE bit says whether it is there), and no two free chunks are ever neighbours.
 *
 * <h2>Bins</h2>
 * Free chunks are kept in 672 doubly linked lists whose heads live in a Java {@code long[]}; a two-level
 * bitmap (11 words and a summary word) finds the first non-empty list at or above an index in O(1).
 * <pre>
 *   index 4 … 30     chunk sizes 32 … 240, one exact size per list (16 bytes apart; odd indices unused)
 *   index 32 … 671   sizes of 256 and more, TLSF's two levels: 16 lists per power of two,
 *                    index = 32 + 16 * (floor(log2 size) - 8) + the next 4 bits of the size
 * </pre>
 *
 * <h2>Algorithms</h2>
 * <b>allocate(n, alignment)</b>
 * <ol>
 *   <li>Chunk size {@code S = max(32, roundUp16(n + 8))}; for an alignment above 16, look for
 *       {@code S + alignment + 32} so an aligned block with a free leading piece fits.</li>
 *   <li>Above {@code segment-threshold}: go to step 6.</li>
 *   <li>Small sizes: the exact list, else the <em>designated victim</em> (dlmalloc's dv: the free piece
 *       the last small carve left behind) when it is large enough, so consecutive small blocks lie side by
 *       side and are freed into whole pages together. Larger: the best fit among the first 16 chunks of the
 *       size's own list. Otherwise the best fit among the first 16 chunks of the first non-empty list above
 *       (every chunk there fits).</li>
 *   <li>Carve the block out of the chosen free chunk: a leading piece (aligned requests) and a trailing
 *       piece of at least 32 bytes stay free and go back to their lists; a smaller tail stays with the
 *       block as slack.</li>
 *   <li>Commit exactly the pages of the old interior that are not in the interiors of the pieces that
 *       stay free — the block's pages and the pieces' tags — before a byte is written. A refused commit
 *       puts the chunk back and returns 0.</li>
 *   <li>Nothing fits: reserve a new segment ({@code segment-size}, or a region of its own), commit the
 *       pages of its tags, make it one free chunk with FIRST and LAST set, and carve as in step 4. In
 *       base-segment mode no segment is reserved: only an emptied base segment is set up again.</li>
 * </ol>
 * <b>free(p)</b>
 * <ol>
 *   <li>Check cheaply (bad input leaves the heap unchanged): 16-byte aligned; inside a segment (sorted
 *       array, last hit cached); the header's page committed (a page bitmap per segment); CINUSE set;
 *       the check bits match the address; the size stays inside the segment; the next chunk's PINUSE set.</li>
 *   <li>Coalesce with the previous chunk (PINUSE clear: the footer before the header gives its size) and
 *       the next one (its CINUSE clear), unlinking them from their lists.</li>
 *   <li>If the merged chunk has FIRST and LAST, the segment is empty: release it in O(1) — no list walk,
 *       the tags told — or, for the base segment, decommit all of it.</li>
 *   <li>Otherwise decommit the pages that have just become interior (the merged interior minus the old
 *       interiors of the neighbours), write header and footer and put the chunk at the head of its list.</li>
 * </ol>
 * <b>reallocate(p, n)</b> shrinks in place (a tail of 32 bytes or more is freed as above), grows in place
 * into a following free chunk (committing what it takes), and otherwise moves.
 *
 * <h2>Commit invariant</h2>
 * A page of a segment is committed exactly when it is not in the interior of a free chunk; an emptied
 * base segment has no page committed. So no page holds committed memory without live data or the tags
 * of its chunks, and after every block is freed nothing is committed. {@link #verify()} checks it
 * against {@link VirtualMemory#isCommitted(long, long)} page by page; the hot path never asks the virtual
 * memory, and makes a call only when a whole page changes state.
 *
 * <p>Sources: Doug Lea, {@code malloc.c} (boundary tags, PINUSE/CINUSE, exact small bins); M. Masmano et
 * al., TLSF (two-level segregated lists with bitmaps). Not thread-safe.
 */
public final class Dsmalloc extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "dsmalloc";

    static final long CINUSE = 1;
    static final long PINUSE = 2;
    static final long FIRST = 4;
    static final long LAST = 1L << 48;
    static final long SIZE_MASK = 0x0000_FFFF_FFFF_FFF8L;
    static final int CHECK_SHIFT = 49;
    static final long CHECK_MASK = 0x7FL << CHECK_SHIFT;
    static final int SLACK_SHIFT = 56;

    /** Bytes of the header of a chunk; the payload follows it. */
    static final long HEADER = 8;
    /** Chunk sizes are multiples of it, and payloads are aligned to it. */
    static final long GRAIN = 16;
    /** The unused word at each end of a segment, so that chunk headers sit 8 bytes before a 16-byte boundary. */
    static final long PAD = 8;
    /** Header, two links and a footer. */
    static final long MIN_CHUNK = 32;
    /** End of the tags at the start of a free chunk: header, next link, previous link. */
    static final long TAGS = 24;

    static final int SMALL_BINS = 32;
    /** Chunk sizes below it are small: exact lists, and served from the designated victim when their list is empty. */
    static final long SMALL_MAX = 256;
    static final int SL_BITS = 4;
    static final int NBINS = SMALL_BINS + (48 - 8) * (1 << SL_BITS);
    private static final int BEST_FIT_SCAN = 16;
    /** The most pages one segment may span (its page bitmap is kept on the Java heap). */
    static final long MAX_SEGMENT_PAGES = 1L << 28;

    private static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.FREE, Capability.REALLOCATE,
            Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS);

    private final VirtualMemory vm;
    private final Memory mem;
    private final long page;
    private final int pageShift;
    private final long segmentSize;
    private final long threshold;
    private final Seg base;                      // null when the space grows by segments
    private boolean baseEmpty;                   // the base segment holds no chunk and no committed page

    /** How many emptied ordinary segments to keep as free chunks rather than release (see {@link #flush()}). */
    private final int maxSpares;
    /**
     * Emptied segments kept, each binned as one free chunk with its header page committed. Only spares
     * are binned whole (any other emptied segment is released), so a whole chunk leaving the bins is one.
     */
    private int spares;

    private Seg[] segs = new Seg[16];            // sorted by address
    private int nsegs;
    private Seg lastSeg;

    private final long[] head = new long[NBINS];
    private final long[] binMap = new long[(NBINS + 63) >>> 6];
    private long binSummary;
    /**
     * The designated victim (as in dlmalloc): the free piece left behind by the last small carve, still
     * binned; 0 when there is none. A small request with an empty exact list splits it before looking
     * above, so runs of small blocks lie together and free pages together. Cleared when it leaves its bin.
     */
    private long dv;

    private long liveBytes;
    private long peakLiveBytes;
    private long liveBlocks;
    private long freeBytes;
    private long committedBytes;
    private long peakCommittedBytes;
    private long reservedBytes;
    private long peakReservedBytes;
    private long allocations;
    private long failedAllocations;
    private long commits;
    private long decommits;
    private long segmentsReserved;
    private long segmentsReleased;

    /** One reserved region and which of its pages are committed. */
    static final class Seg {
        final Region region;
        final long start;
        final long end;
        /** Where the first chunk starts: one pad word past the start, so that payloads are 16-byte aligned. */
        final long first;
        /** Where the last chunk ends: one pad word before the end. */
        final long limit;
        final long[] committed;
        long committedPages;

        Seg(Region region, int pageShift) {
            this.region = region;
            this.start = region.address();
            this.end = region.end();
            this.first = start + PAD;
            this.limit = end - PAD;
            long pages = region.bytes() >>> pageShift;
            this.committed = new long[(int) ((pages + 63) >>> 6)];
        }
    }

    /**
     * A space drawing segments from {@code vm}.
     *
     * @param pageSize         the commit unit, a power-of-two multiple of the virtual memory's page; 0 for its page
     * @param segmentSize      bytes of an ordinary segment, a multiple of the page
     * @param threshold        requests above it get a segment of their own
     * @param baseSegment      0 to grow by segments; otherwise the bytes of the one segment reserved at
     *                         creation, which the space never grows past
     * @throws IllegalArgumentException when a size does not fit the others
     * @throws IllegalStateException    when the base segment cannot be reserved
     */
    public Dsmalloc(VirtualMemory vm, long pageSize, long segmentSize, long threshold, long baseSegment) {
        this(vm, pageSize, segmentSize, threshold, baseSegment, 0);
    }

    /**
     * A space drawing segments from {@code vm}, as above; with {@code spareSegments} above 0 the space is as
     * deployed (see {@link DsmallocProvider}): it keeps up to that many of the ordinary segments it empties,
     * so that a program
     * that frees its last block and allocates again (a frame loop, a benchmark's allocate-free pair) does
     * not pay a reserve, a commit and a release each time. A spare costs its header page; {@link #flush()}
     * gives them back.
     */
    public Dsmalloc(VirtualMemory vm, long pageSize, long segmentSize, long threshold, long baseSegment,
                    int spareSegments) {
        super(NAME, CAPABILITIES);
        this.maxSpares = spareSegments;
        this.vm = vm;
        this.mem = vm.memory();
        long p = pageSize == 0 ? vm.pageSize() : pageSize;
        if (!Sizes.isPowerOfTwo(p) || p % vm.pageSize() != 0 || p < 64) {
            throw new IllegalArgumentException(NAME + ": page size " + p + " must be a power of two and a multiple of the "
                    + vm.kind() + " virtual memory's page (" + vm.pageSize() + ")");
        }
        this.page = p;
        this.pageShift = Long.numberOfTrailingZeros(p);
        if (segmentSize < p || segmentSize % p != 0) {
            throw new IllegalArgumentException(NAME + ": segment size " + segmentSize
                    + " must be a positive multiple of the page size (" + p + ")");
        }
        this.segmentSize = segmentSize;
        this.threshold = threshold;
        if (baseSegment > 0) {
            long bytes = Sizes.alignUp(baseSegment, p);
            Region r = bytes >>> pageShift > MAX_SEGMENT_PAGES ? null : vm.reserve(bytes);
            if (r == null) {
                throw new IllegalStateException(NAME + ": could not reserve a base segment of "
                        + Sizes.format(bytes) + " from " + vm.kind() + " virtual memory");
            }
            this.base = addSegment(r);
            this.baseEmpty = true;
        } else {
            this.base = null;
        }
    }

    @Override
    public Memory memory() {
        return mem;
    }

    /**
     * The {@code commit-cache} parameter of dsmalloc and the common allocator. The Despair allocator ran
     * with a commit cache under it, and without one dsmalloc makes a system call for every page that
     * empties or fills (allocation p99 of 17-34 µs on real traces, against 250 ns with a 4 MiB cache and
     * the same footprint), so the strategies are measured as deployed by default; 0 keeps the strict
     * behaviour (every empty page decommitted at once, every empty segment released) for studies of it.
     */
    static final ParameterSpec COMMIT_CACHE = ParameterSpec.bytes("commit-cache", "4MiB",
            "a direct-mapped cache of this many bytes of committed pages under the strategy, and one emptied"
                    + " segment kept: a page that empties stays committed below until evicted or flushed;"
                    + " 0 for none (every empty page decommitted, every empty segment released at once)");

    /**
     * {@code vm} behind a commit cache of {@code capacity} bytes (the {@code commit-cache} parameter), or
     * {@code vm} itself when the capacity is 0 or {@code vm} is a commit cache already: two caches stacked
     * would only hide each other's pages, so a virtual memory configured with its own cache keeps it and
     * this parameter then only turns the spare segment on. The cache does not own {@code vm}: the caller
     * still closes it. What the cache holds is committed in {@code vm}, so the harness, which measures
     * the footprint from {@code vm}'s counters, counts it.
     */
    static VirtualMemory cached(VirtualMemory vm, long capacity, Parameters parameters) {
        if (capacity == 0 || vm instanceof CommitCache) {
            return vm;
        }
        if (capacity < vm.pageSize()) {
            throw parameters.invalid("commit-cache", "must be 0 or at least the " + vm.kind()
                    + " virtual memory's page (" + vm.pageSize() + ")");
        }
        return new CommitCache(vm, capacity);
    }

    // ---- sizes, pages, bins ----------------------------------------------------------------------

    static long chunkSize(long n) {
        long s = (n + HEADER + GRAIN - 1) & -GRAIN;
        return s < MIN_CHUNK ? MIN_CHUNK : s;
    }

    static int binIndex(long size) {
        if (size < 256) {
            return (int) (size >>> 3);
        }
        int fl = 63 - Long.numberOfLeadingZeros(size);
        return SMALL_BINS + ((fl - 8) << SL_BITS) + (int) ((size >>> (fl - SL_BITS)) & ((1 << SL_BITS) - 1));
    }

    private static long checkBits(long c) {
        return ((c * 0x9E3779B97F4A7C15L) >>> 57) << CHECK_SHIFT;
    }

    /** First page of the interior of a free chunk starting at {@code c}. */
    private long interiorStart(long c) {
        return (c + TAGS + page - 1) & -page;
    }

    /** End of the interior of a free chunk ending at {@code e}; a segment's last chunk has no footer. */
    private long interiorEnd(long e, long last) {
        return last != 0 ? (e + PAD + page - 1) & -page : (e - HEADER) & -page;
    }

    private void setBin(int i) {
        binMap[i >>> 6] |= 1L << i;
        binSummary |= 1L << (i >>> 6);
    }

    private void clearBin(int i) {
        int w = i >>> 6;
        long m = binMap[w] & ~(1L << i);
        binMap[w] = m;
        if (m == 0) {
            binSummary &= ~(1L << w);
        }
    }

    /** The first non-empty bin at or above {@code from}, or -1. */
    private int nextBin(int from) {
        int w = from >>> 6;
        if (w >= binMap.length) {
            return -1;
        }
        long m = binMap[w] & (-1L << from);
        if (m != 0) {
            return (w << 6) + Long.numberOfTrailingZeros(m);
        }
        long s = binSummary & (-1L << (w + 1));
        if (s == 0) {
            return -1;
        }
        w = Long.numberOfTrailingZeros(s);
        return (w << 6) + Long.numberOfTrailingZeros(binMap[w]);
    }

    private void insert(long c, long size) {
        int i = binIndex(size);
        long h = head[i];
        mem.putLong(c + 8, h);
        mem.putLong(c + 16, 0);
        if (h != 0) {
            mem.putLong(h + 16, c);
        } else {
            setBin(i);
        }
        head[i] = c;
        freeBytes += size;
    }

    private void unlink(long c, long size) {
        if (c == dv) {
            dv = 0;
        }
        long fd = mem.getLong(c + 8);
        long bk = mem.getLong(c + 16);
        if (bk == 0) {
            int i = binIndex(size);
            head[i] = fd;
            if (fd == 0) {
                clearBin(i);
            }
        } else {
            mem.putLong(bk + 8, fd);
        }
        if (fd != 0) {
            mem.putLong(fd + 16, bk);
        }
        freeBytes -= size;
    }

    /** Writes the tags of a free chunk (not its links). */
    private void writeFree(long c, long size, long flags) {
        mem.putLong(c, size | flags);
        if ((flags & LAST) == 0) {
            mem.putLong(c + size - 8, size);
        }
    }

    /**
     * A free chunk of at least {@code size} bytes from the bins, or 0: the exact list for a small size,
     * else the designated victim for a small size, else best fit inside its own list, else the first
     * non-empty list above.
     */
    private long findFree(long size) {
        int i = binIndex(size);
        if (i < SMALL_BINS && head[i] == 0) {
            long d = dv;
            if (d != 0 && (mem.getLong(d) & SIZE_MASK) >= size) {
                return d;
            }
        }
        if (i < SMALL_BINS) {
            long c = head[i];
            if (c != 0) {
                return c;
            }
        } else {
            long best = 0;
            long bestSize = Long.MAX_VALUE;
            long c = head[i];
            for (int k = 0; c != 0 && k < BEST_FIT_SCAN; k++) {
                long s = mem.getLong(c) & SIZE_MASK;
                if (s >= size && s < bestSize) {
                    best = c;
                    bestSize = s;
                    if (s == size) {
                        break;
                    }
                }
                c = mem.getLong(c + 8);
            }
            if (best != 0) {
                return best;
            }
        }
        int j = nextBin(i + 1);
        if (j < 0) {
            return 0;
        }
        long best = head[j];
        if (j >= SMALL_BINS) {
            long bestSize = mem.getLong(best) & SIZE_MASK;
            long c = mem.getLong(best + 8);
            for (int k = 1; c != 0 && k < BEST_FIT_SCAN; k++) {
                long s = mem.getLong(c) & SIZE_MASK;
                if (s < bestSize) {
                    best = c;
                    bestSize = s;
                }
                c = mem.getLong(c + 8);
            }
        }
        return best;
    }

    // ---- segments and pages ----------------------------------------------------------------------

    private Seg segmentOf(long a) {
        Seg s = lastSeg;
        if (s != null && a >= s.start && a < s.end) {
            return s;
        }
        int lo = 0;
        int hi = nsegs - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Seg m = segs[mid];
            if (a < m.start) {
                hi = mid - 1;
            } else if (a >= m.end) {
                lo = mid + 1;
            } else {
                lastSeg = m;
                return m;
            }
        }
        return null;
    }

    private Seg addSegment(Region r) {
        Seg s = new Seg(r, pageShift);
        if (nsegs == segs.length) {
            segs = Arrays.copyOf(segs, nsegs * 2);
        }
        int i = nsegs;
        while (i > 0 && segs[i - 1].start > s.start) {
            segs[i] = segs[i - 1];
            i--;
        }
        segs[i] = s;
        nsegs++;
        reservedBytes += r.bytes();
        peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        segmentsReserved++;
        return s;
    }

    private void releaseSegment(Seg s) {
        int lo = 0;
        int hi = nsegs - 1;
        int at = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segs[mid].start < s.start) {
                lo = mid + 1;
            } else if (segs[mid].start > s.start) {
                hi = mid - 1;
            } else {
                at = mid;
                break;
            }
        }
        System.arraycopy(segs, at + 1, segs, at, nsegs - at - 1);
        segs[--nsegs] = null;
        if (lastSeg == s) {
            lastSeg = null;
        }
        vm.release(s.region);
        committedBytes -= s.committedPages << pageShift;
        s.committedPages = 0;
        reservedBytes -= s.region.bytes();
        segmentsReleased++;
    }

    private boolean pageCommitted(Seg s, long a) {
        long p = (a - s.start) >>> pageShift;
        return (s.committed[(int) (p >>> 6)] & (1L << p)) != 0;
    }

    private boolean commit(Seg s, long lo, long hi) {
        if (!vm.commit(lo, hi - lo)) {
            return false;
        }
        mark(s, lo, hi, true);
        commits++;
        committedBytes += hi - lo;
        if (committedBytes > peakCommittedBytes) {
            peakCommittedBytes = committedBytes;
        }
        return true;
    }

    private void decommit(Seg s, long lo, long hi) {
        vm.decommit(lo, hi - lo);
        mark(s, lo, hi, false);
        decommits++;
        committedBytes -= hi - lo;
    }

    private void mark(Seg s, long lo, long hi, boolean on) {
        long p = (lo - s.start) >>> pageShift;
        long end = (hi - s.start) >>> pageShift;
        long[] bits = s.committed;
        while (p < end) {
            int w = (int) (p >>> 6);
            int from = (int) (p & 63);
            long n = Math.min(64 - from, end - p);
            long m = (n == 64 ? -1L : ((1L << n) - 1)) << from;
            bits[w] = on ? bits[w] | m : bits[w] & ~m;
            p += n;
        }
        s.committedPages += on ? (hi - lo) >>> pageShift : -((hi - lo) >>> pageShift);
    }

    /** Turns an empty (nothing committed) segment into one free chunk, not binned; false when refused. */
    private boolean setUpWhole(Seg s) {
        long a = s.first;
        long e = s.limit;
        if (!commit(s, s.start, Math.min(interiorStart(a), s.end))) {
            return false;
        }
        writeFree(a, e - a, PINUSE | FIRST | LAST);
        if (s == base) {
            baseEmpty = false;
        }
        return true;
    }

    /** A segment made of one free chunk (not binned): released, or for the base segment emptied. */
    private void dropWhole(Seg s) {
        if (s == base) {
            if (s.committedPages > 0) {
                long[] bits = s.committed;
                vm.decommit(s.start, s.end - s.start);
                decommits++;
                committedBytes -= s.committedPages << pageShift;
                s.committedPages = 0;
                Arrays.fill(bits, 0);
            }
            baseEmpty = true;
        } else {
            releaseSegment(s);
        }
    }

    // ---- allocation ------------------------------------------------------------------------------

    @Override
    protected long doAllocate(long size, long alignment) {
        long a = alignment <= GRAIN ? allocatePlain(size) : allocateAligned(size, alignment);
        if (a == 0) {
            failedAllocations++;
        } else {
            allocations++;
        }
        return a;
    }

    private long allocatePlain(long n) {
        long s = chunkSize(n);
        if (n <= threshold || base != null) {
            long c = findFree(s);
            if (c != 0) {
                long h = mem.getLong(c);
                long cs = h & SIZE_MASK;
                unlink(c, cs);
                long r = carve(null, c, c + cs, h, c, s, n);
                if (r == 0) {
                    insert(c, cs);
                }
                return r;
            }
        }
        return allocateFresh(n, s, 8);
    }

    private long allocateAligned(long n, long alignment) {
        long s = chunkSize(n);
        long need = s + alignment + MIN_CHUNK;
        if (n <= threshold || base != null) {
            long c = findFree(need);
            if (c != 0) {
                long h = mem.getLong(c);
                long cs = h & SIZE_MASK;
                unlink(c, cs);
                long r = carve(null, c, c + cs, h, alignedStart(c, alignment), s, n);
                if (r == 0) {
                    insert(c, cs);
                }
                return r;
            }
        }
        return allocateFresh(n, s, alignment);
    }

    /** Where a chunk with an aligned payload starts in a free chunk at {@code c}: at c, or 32 bytes or more past it. */
    private static long alignedStart(long c, long alignment) {
        long q = ((c + HEADER + alignment - 1) & -alignment) - HEADER;
        while (q != c && q - c < MIN_CHUNK) {
            q += alignment;
        }
        return q;
    }

    /** Serves a request from a new segment (or the emptied base segment); 0 when it cannot. */
    private long allocateFresh(long n, long s, long alignment) {
        long need = alignment <= GRAIN ? s : s + alignment + MIN_CHUNK;
        Seg seg;
        if (base != null) {
            if (!baseEmpty || need > base.limit - base.first) {
                return 0;
            }
            seg = base;
        } else {
            long bytes = n > threshold || need > segmentSize - 2 * PAD ? Sizes.alignUp(need + 2 * PAD, page) : segmentSize;
            if (bytes < need + 2 * PAD || bytes >>> pageShift > MAX_SEGMENT_PAGES) {
                return 0;
            }
            Region r;
            try {
                r = vm.reserve(bytes);
            } catch (IllegalArgumentException tooLarge) {
                return 0;
            }
            if (r == null) {
                return 0;
            }
            seg = addSegment(r);
        }
        if (!setUpWhole(seg)) {
            if (seg != base) {
                releaseSegment(seg);
            }
            return 0;
        }
        long c = seg.first;
        long h = mem.getLong(c);
        long q = alignment <= GRAIN ? c : alignedStart(c, alignment);
        long r = carve(seg, c, seg.limit, h, q, s, n);
        if (r == 0) {
            dropWhole(seg);
        }
        return r;
    }

    /**
     * Carves an in-use chunk of {@code size} bytes at {@code q} out of the unbinned free chunk
     * {@code [f, e)} with header {@code fh}: commits what it needs, bins the pieces that stay free.
     *
     * @return the block's address, or 0 when the commit was refused (then nothing changed)
     */
    private long carve(Seg seg, long f, long e, long fh, long q, long size, long n) {
        long be = q + size;
        if (e - be < MIN_CHUNK) {
            be = e;
        }
        long lo = interiorStart(f);
        long hi = interiorEnd(e, fh & LAST);
        if (q > f) {
            long x = interiorEnd(q, 0);
            if (x > lo) {
                lo = x;
            }
        }
        if (be < e) {
            long x = interiorStart(be);
            if (x < hi) {
                hi = x;
            }
        }
        if (lo < hi && !commit(seg != null ? seg : segmentOf(f), lo, hi)) {
            return 0;
        }
        if (seg == null && (fh & (FIRST | LAST)) == (FIRST | LAST)) {
            spares--;                          // only spares are binned whole: this one is in use again
        }
        long flags;
        if (q > f) {
            writeFree(f, q - f, fh & (PINUSE | FIRST));
            insert(f, q - f);
            flags = 0;
        } else {
            flags = fh & (PINUSE | FIRST);
        }
        if (be < e) {
            writeFree(be, e - be, PINUSE | (fh & LAST));
            insert(be, e - be);
            if (size < SMALL_MAX) {
                dv = be;
            }
        } else if ((fh & LAST) != 0) {
            flags |= LAST;
        } else {
            mem.putLong(e, mem.getLong(e) | PINUSE);
        }
        long chunk = be - q;
        mem.putLong(q, chunk | flags | CINUSE | checkBits(q) | ((chunk - HEADER - n) << SLACK_SHIFT));
        addLive(n);
        liveBlocks++;
        return q + HEADER;
    }

    private void addLive(long delta) {
        liveBytes += delta;
        if (liveBytes > peakLiveBytes) {
            peakLiveBytes = liveBytes;
        }
    }

    // ---- free ------------------------------------------------------------------------------------

    /** The segment of the live block at {@code a}; throws when {@code a} is not one, touching nothing. */
    private Seg liveSegment(long a) {
        if ((a & (GRAIN - 1)) != 0) {
            throw invalidFree(a, "no block starts there (blocks are 16-byte aligned)");
        }
        Seg s = segmentOf(a);
        if (s == null) {
            throw invalidFree(a, "it was never handed out by this allocator (it lies in none of its segments)");
        }
        long c = a - HEADER;
        if (c < s.first || (s == base && baseEmpty) || !pageCommitted(s, c)) {
            throw invalidFree(a, "it is not a live block (already freed, or never handed out)");
        }
        long h = mem.getLong(c);
        if ((h & CINUSE) == 0) {
            throw invalidFree(a, "it is not a live block (already freed, or never handed out)");
        }
        long size = h & SIZE_MASK;
        if ((h & CHECK_MASK) != checkBits(c) || size < MIN_CHUNK || size > s.limit - c
                || ((h & LAST) != 0) != (size == s.limit - c)) {
            throw invalidFree(a, "it is not the start of a live block");
        }
        if ((h & LAST) == 0) {
            long nx = c + size;
            if (nx + MIN_CHUNK > s.limit || !pageCommitted(s, nx) || (mem.getLong(nx) & PINUSE) == 0) {
                throw invalidFree(a, "it is not the start of a live block");
            }
        }
        return s;
    }

    @Override
    protected void doFree(long a) {
        Seg s = liveSegment(a);
        long c = a - HEADER;
        long h = mem.getLong(c);
        liveBytes -= (h & SIZE_MASK) - HEADER - (h >>> SLACK_SHIFT);
        liveBlocks--;
        freeChunk(s, c, h);
    }

    /** Frees the in-use chunk at {@code c} with header {@code h}: coalesce, decommit, bin or drop the segment. */
    private void freeChunk(Seg s, long c, long h) {
        long fs = c;
        long fe = c + (h & SIZE_MASK);
        long first = h & FIRST;
        long last = h & LAST;
        boolean prevMerged = false;
        boolean nextMerged = false;
        long nx = fe;
        if ((h & PINUSE) == 0) {
            long ps = mem.getLong(c - 8);
            fs = c - ps;
            first = mem.getLong(fs) & FIRST;
            unlink(fs, ps);
            mem.putLong(c, 0);                 // a stale header must not pass for a live one
            prevMerged = true;
        }
        if (last == 0) {
            long nh = mem.getLong(nx);
            if ((nh & CINUSE) == 0) {
                long ns = nh & SIZE_MASK;
                unlink(nx, ns);
                fe = nx + ns;
                last = nh & LAST;
                nextMerged = true;
            } else {
                mem.putLong(nx, nh & ~PINUSE);
            }
        }
        if (first != 0 && last != 0) {
            if (spares >= maxSpares || s == base || s.region.bytes() != segmentSize) {
                dropWhole(s);
                return;
            }
            spares++;                          // kept: decommitted and binned below like any free chunk
        }
        long lo = interiorStart(fs);
        long hi = interiorEnd(fe, last);
        if (prevMerged) {
            long x = interiorEnd(c, 0);
            if (x > lo) {
                lo = x;
            }
        }
        if (nextMerged) {
            long x = interiorStart(nx);
            if (x < hi) {
                hi = x;
            }
        }
        if (lo < hi) {
            decommit(s, lo, hi);
        }
        writeFree(fs, fe - fs, PINUSE | first | last);
        insert(fs, fe - fs);
    }

    // ---- reallocation, usable size, ownership ----------------------------------------------------

    @Override
    protected long doReallocate(long a, long newSize) {
        Seg s = liveSegment(a);
        long c = a - HEADER;
        long h = mem.getLong(c);
        long size = h & SIZE_MASK;
        long old = size - HEADER - (h >>> SLACK_SHIFT);
        long want = chunkSize(newSize);
        long keep = h & (PINUSE | FIRST);
        if (want <= size) {
            if (size - want >= MIN_CHUNK) {
                mem.putLong(c, want | keep | CINUSE | checkBits(c) | ((want - HEADER - newSize) << SLACK_SHIFT));
                long t = c + want;
                long th = (size - want) | PINUSE | (h & LAST) | CINUSE;
                mem.putLong(t, th);
                freeChunk(s, t, th);
            } else {
                mem.putLong(c, (h & ~(0xFFL << SLACK_SHIFT)) | ((size - HEADER - newSize) << SLACK_SHIFT));
            }
            addLive(newSize - old);
            return a;
        }
        if ((h & LAST) == 0) {
            long nx = c + size;
            long nh = mem.getLong(nx);
            long ns = nh & SIZE_MASK;
            if ((nh & CINUSE) == 0 && size + ns >= want) {
                long ne = nx + ns;
                long be = c + want;
                if (ne - be < MIN_CHUNK) {
                    be = ne;
                }
                long lo = interiorStart(nx);
                long hi = interiorEnd(ne, nh & LAST);
                if (be < ne) {
                    long x = interiorStart(be);
                    if (x < hi) {
                        hi = x;
                    }
                }
                if (lo >= hi || commit(s, lo, hi)) {
                    unlink(nx, ns);
                    long last;
                    if (be < ne) {
                        writeFree(be, ne - be, PINUSE | (nh & LAST));
                        insert(be, ne - be);
                        last = 0;
                    } else {
                        last = nh & LAST;
                        if (last == 0) {
                            mem.putLong(ne, mem.getLong(ne) | PINUSE);
                        }
                    }
                    long chunk = be - c;
                    mem.putLong(c, chunk | keep | last | CINUSE | checkBits(c)
                            | ((chunk - HEADER - newSize) << SLACK_SHIFT));
                    addLive(newSize - old);
                    return a;
                }
            }
        }
        long b = allocatePlain(newSize);
        if (b == 0) {
            failedAllocations++;
            return 0;
        }
        allocations++;
        mem.copy(a, b, Math.min(size - HEADER, newSize));
        liveBytes -= old;
        liveBlocks--;
        freeChunk(s, c, mem.getLong(c));
        return b;
    }

    @Override
    protected long doUsableSize(long a) {
        liveSegment(a);
        return (mem.getLong(a - HEADER) & SIZE_MASK) - HEADER;
    }

    @Override
    protected boolean doOwns(long a) {
        return segmentOf(a) != null;
    }

    // ---- reset, close, destroy -------------------------------------------------------------------

    @Override
    protected void doReset() {
        for (int i = nsegs - 1; i >= 0; i--) {
            Seg s = segs[i];
            if (s == base) {
                dropWhole(s);
            } else {
                releaseSegment(s);
            }
        }
        Arrays.fill(head, 0);
        dv = 0;
        spares = 0;
        Arrays.fill(binMap, 0);
        binSummary = 0;
        freeBytes = 0;
        liveBytes = 0;
        liveBlocks = 0;
    }

    @Override
    protected void doClose() {
        for (int i = nsegs - 1; i >= 0; i--) {
            releaseSegment(segs[i]);
        }
        Arrays.fill(head, 0);
        dv = 0;
        spares = 0;
        liveBytes = 0;
        liveBlocks = 0;
        freeBytes = 0;
    }

    /**
     * Gives back what the space keeps for speed: the spare segments (released), and the pages of the
     * {@link CommitCache} under it when its virtual memory is one (flushed). After every block is freed
     * and this is called, nothing of the space is committed in the virtual memory below.
     *
     * @return the bytes of committed memory given back
     */
    public long flush() {
        ensureOpen();
        long bytes = 0;
        for (int i = nsegs - 1; i >= 0 && spares > 0; i--) {
            Seg s = segs[i];
            long h = s == base ? CINUSE : mem.getLong(s.first);
            if ((h & (CINUSE | LAST)) == LAST) {
                unlink(s.first, s.limit - s.first);
                bytes += s.committedPages << pageShift;
                releaseSegment(s);
                spares--;
            }
        }
        if (vm instanceof CommitCache cache) {
            bytes += cache.flush();
        }
        return bytes;
    }

    /** How many emptied segments are kept for reuse; for tests. */
    int spares() {
        return spares;
    }

    /**
     * Closes the space: every segment, the base segment included, goes back to the virtual memory.
     *
     * @return the bytes of address space given back (its committed pages went with it)
     */
    public long destroy() {
        ensureOpen();
        long bytes = reservedBytes;
        close();
        return bytes;
    }

    // ---- walking, stats, verification ------------------------------------------------------------

    @Override
    protected void doWalk(HeapVisitor visitor) {
        for (int i = 0; i < nsegs; i++) {
            Seg s = segs[i];
            if (s == base && baseEmpty) {
                visitor.free(s.first + HEADER, s.limit - s.first - HEADER);
                continue;
            }
            long c = s.first;
            while (true) {
                long h = mem.getLong(c);
                long size = h & SIZE_MASK;
                if ((h & CINUSE) != 0) {
                    visitor.allocated(c + HEADER, size - HEADER);
                } else {
                    visitor.free(c + HEADER, size - HEADER);
                }
                if ((h & LAST) != 0) {
                    break;
                }
                c += size;
            }
        }
    }

    /** The largest free chunk's payload, found from the highest non-empty bin. */
    private long largestFree() {
        long best = 0;
        for (int w = binMap.length - 1; w >= 0 && best == 0; w--) {
            if (binMap[w] == 0) {
                continue;
            }
            int i = (w << 6) + 63 - Long.numberOfLeadingZeros(binMap[w]);
            for (long c = head[i]; c != 0; c = mem.getLong(c + 8)) {
                best = Math.max(best, (mem.getLong(c) & SIZE_MASK) - HEADER);
            }
        }
        if (base != null && baseEmpty) {
            best = Math.max(best, base.limit - base.first - HEADER);
        }
        return best;
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .count(AllocatorStats.LIVE_BLOCKS, liveBlocks, "live blocks")
                .bytes(AllocatorStats.COMMITTED_BYTES, committedBytes, "bytes of segments committed")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommittedBytes, "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, reservedBytes, "address space of the segments held")
                .bytes(AllocatorStats.PEAK_RESERVED_BYTES, peakReservedBytes, "highest reserved_bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, liveBlocks * HEADER, "one header word per live block")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out, moving reallocations included")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .count("segments", nsegs, "segments held now")
                .count("segments_reserved", segmentsReserved, "segments reserved since creation")
                .count("segments_released", segmentsReleased, "segments released since creation")
                .bytes("free_bytes", freeBytes, "bytes of free chunks in the bins, tags included")
                .bytes("largest_free_block", largestFree(), "the largest block one free chunk could give")
                .count("commits", commits, "commit calls made")
                .count("decommits", decommits, "decommit calls made")
                .build();
    }

    @Override
    protected void doVerify() {
        long live = 0;
        long blocks = 0;
        long free = 0;
        long freeChunks = 0;
        long committed = 0;
        long reserved = 0;
        var freeSet = new HashSet<Long>();
        for (int i = 0; i < nsegs; i++) {
            Seg s = segs[i];
            check(i == 0 || segs[i - 1].end <= s.start, "segments are sorted and disjoint", s.start);
            reserved += s.region.bytes();
            long pages = (s.end - s.start) >>> pageShift;
            boolean[] expect = new boolean[(int) pages];
            if (!(s == base && baseEmpty)) {
                Arrays.fill(expect, true);
                long c = s.first;
                boolean prevInUse = true;
                while (true) {
                    check(c + MIN_CHUNK <= s.limit && ((c + HEADER) & (GRAIN - 1)) == 0, "a chunk lies inside its segment, its payload aligned", c);
                    check(pageCommitted(s, c), "a chunk header lies on a committed page", c);
                    long h = mem.getLong(c);
                    long size = h & SIZE_MASK;
                    check(size >= MIN_CHUNK && size % GRAIN == 0 && c + size <= s.limit, "a chunk's size fits its segment", c);
                    check(((h & FIRST) != 0) == (c == s.first), "FIRST is set exactly on a segment's first chunk", c);
                    check(((h & LAST) != 0) == (c + size == s.limit), "LAST is set exactly on the chunk ending a segment", c);
                    check(((h & PINUSE) != 0) == prevInUse, "PINUSE tells whether the previous chunk is in use", c);
                    boolean inUse = (h & CINUSE) != 0;
                    if (inUse) {
                        check((h & CHECK_MASK) == checkBits(c), "an in-use chunk's check bits match its address", c);
                        long slack = h >>> SLACK_SHIFT;
                        check(slack <= size - HEADER - 1, "slack leaves at least one requested byte", c);
                        live += size - HEADER - slack;
                        blocks++;
                    } else {
                        check(prevInUse, "no two free chunks are neighbours", c);
                        check((h & (CHECK_MASK | (0xFFL << SLACK_SHIFT))) == 0, "a free header has no check or slack", c);
                        check((h & LAST) != 0 || mem.getLong(c + size - 8) == size, "a free chunk's footer holds its size", c);
                        freeSet.add(c);
                        free += size;
                        freeChunks++;
                        for (long p = interiorStart(c); p < interiorEnd(c + size, h & LAST); p += page) {
                            expect[(int) ((p - s.start) >>> pageShift)] = false;
                        }
                    }
                    prevInUse = inUse;
                    if ((h & LAST) != 0) {
                        break;
                    }
                    c += size;
                }
                check(!(blocks == 0 && freeChunks == 0), "a segment has chunks", s.start);
            }
            long segCommitted = 0;
            for (int p = 0; p < pages; p++) {
                long addr = s.start + ((long) p << pageShift);
                boolean bit = pageCommitted(s, addr);
                check(bit == expect[p], expect[p] ? "a page with live data or tags is committed"
                        : "a page wholly inside a free chunk is decommitted", addr);
                check(vm.isCommitted(addr, page) == bit, "the page bitmap agrees with the virtual memory", addr);
                if (bit) {
                    segCommitted++;
                }
            }
            check(segCommitted == s.committedPages, "a segment counts its committed pages", s.start);
            committed += segCommitted << pageShift;
        }
        long binned = 0;
        long binnedBytes = 0;
        for (int i = 0; i < NBINS; i++) {
            boolean bit = (binMap[i >>> 6] & (1L << i)) != 0;
            check(bit == (head[i] != 0), "the bin bitmap tells which bins are non-empty", i);
            long prev = 0;
            for (long c = head[i]; c != 0; c = mem.getLong(c + 8)) {
                check(segmentOf(c) != null, "a binned chunk lies in a segment", c);
                long h = mem.getLong(c);
                check(freeSet.remove(c), "a binned chunk is a free chunk of a segment, binned once", c);
                check(binIndex(h & SIZE_MASK) == i, "a binned chunk is in the bin of its size", c);
                check(mem.getLong(c + 16) == prev, "a bin's back links mirror its forward links", c);
                prev = c;
                binned++;
                binnedBytes += h & SIZE_MASK;
                check(binned <= freeChunks, "bins hold no chunk twice and no cycle", c);
            }
        }
        for (int w = 0; w < binMap.length; w++) {
            check(((binSummary >>> w) & 1) == (binMap[w] != 0 ? 1 : 0), "the summary bitmap matches the bin words", w);
        }
        check(binned == freeChunks, "every free chunk is in exactly one bin", binned);
        long whole = 0;
        for (int i = 0; i < nsegs; i++) {
            if (segs[i] != base && (mem.getLong(segs[i].first) & (CINUSE | LAST)) == LAST) {
                whole++;
            }
        }
        check(whole == spares && spares <= maxSpares, "the emptied segments kept are the spares counted", whole);
        check(binnedBytes == free && free == freeBytes, "free_bytes is the sum of the free chunks", freeBytes);
        check(live == liveBytes, "live_bytes is the sum of the requested sizes", liveBytes);
        check(blocks == liveBlocks, "live_blocks counts the in-use chunks", liveBlocks);
        check(committed == committedBytes, "committed_bytes is the sum of committed pages", committedBytes);
        check(reserved == reservedBytes, "reserved_bytes is the sum of the segments", reservedBytes);
        check(base == null || (nsegs >= 1 && reserved == base.region.bytes()), "the base segment is the only one", reserved);
    }

    private void check(boolean invariant, String what, long at) {
        if (!invariant) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what + " (at " + Sizes.hex(at) + ")");
        }
    }

    @Override
    public String toString() {
        return NAME + " (" + nsegs + " segments, " + Sizes.format(committedBytes) + " committed of "
                + Sizes.format(reservedBytes) + " reserved, page " + Sizes.format(page) + ")";
    }
}
