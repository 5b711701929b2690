package org.alloclab.slab;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.alloclab.api.Region;
import org.alloclab.api.VirtualMemory;

/**
 * Page runs for spans, from address space reserved in areas of the virtual memory. A run is committed when
 * it becomes a span and decommitted the moment the span is given back, so no page without a live or
 * cached block stays committed. Free runs are kept by address (to coalesce neighbours) and by length (to
 * take the best fit: the shortest run that holds the request, lowest address first).
 *
 * <p>The page map — one entry per page, naming the span on it — is how a free finds its span in O(1)
 * without any header in the block. Entries are written under this heap's lock before the span's first
 * slot is handed out and cleared after its last one came back, so a thread holding a block it was given
 * always reads its span. Areas are reserved as they are needed and an area that becomes wholly free is
 * released, except the first.
 *
 * <p>Every method that changes runs is synchronized: the page heap is the one lock all classes share, and
 * it is taken only to create or give back spans and large blocks.
 */
final class PageHeap {

    /** One reservation and its page map. */
    static final class Area {
        final Region region;
        final long base;
        final long bytes;
        final Span[] map;

        Area(Region region, int pageShift) {
            this.region = region;
            this.base = region.address();
            this.bytes = region.bytes();
            this.map = new Span[(int) (bytes >>> pageShift)];
        }
    }

    private record Run(long start, long pages) {
    }

    /** The most pages an area may have: its page map is an array of one entry per page. */
    static final long MAX_AREA_PAGES = 1L << 24;

    /**
     * The {@code area} parameter of a strategy over this heap.
     *
     * @throws IllegalArgumentException naming the parameter when an area holds less than a page or more
     *                                  pages than a page map can
     */
    static long area(org.alloclab.api.Parameters parameters, VirtualMemory vm) {
        long area = parameters.bytes("area");
        if (area < vm.pageSize() || area / vm.pageSize() > MAX_AREA_PAGES) {
            throw parameters.invalid("area", "must be from a page (" + vm.pageSize() + " bytes) to "
                    + MAX_AREA_PAGES + " pages");
        }
        return area;
    }

    private static final Comparator<Run> BY_LENGTH = Comparator.comparingLong(Run::pages).thenComparingLong(Run::start);

    final VirtualMemory vm;
    final long pageSize;
    final int pageShift;
    private final long areaBytes;

    /**
     * The areas, replaced as a whole when one is added or removed and read without the lock by
     * {@link #spanOf(long)}. A plain field: {@link Areas}' final fields make a racy read see a complete
     * list, and a thread holding a block was handed it after the area's publication (through a pool's lock
     * or a transfer stack's compare-and-set), so it sees an area list that contains it.
     */
    private Areas areas = new Areas(new Area[0]);

    /** An immutable list of areas, the first kept apart for the common case of a single area. */
    private static final class Areas {
        final Area[] list;
        final Area first;
        // the first area's fields again, one load closer for spanOf
        final long firstBase;
        final long firstBytes;
        final Span[] firstMap;

        Areas(Area[] list) {
            this.list = list;
            this.first = list.length == 0 ? EMPTY : list[0];
            this.firstBase = first.base;
            this.firstBytes = first.bytes;
            this.firstMap = first.map;
        }
    }

    private static final Area EMPTY = new Area(new Region(1, 1), 0);

    private final TreeMap<Long, Run> freeByStart = new TreeMap<>();
    private final TreeSet<Run> freeByLength = new TreeSet<>(BY_LENGTH);

    private long committed;
    private long peakCommitted;
    private long reserved;
    private long peakReserved;
    private long spans;
    private long largeBlocks;
    private long largeBytes;

    /**
     * @param areaBytes the address space reserved at a time (a larger request reserves what it needs)
     */
    PageHeap(VirtualMemory vm, long areaBytes) {
        this.vm = vm;
        this.pageSize = vm.pageSize();
        this.pageShift = Long.numberOfTrailingZeros(pageSize);
        if ((areaBytes >>> pageShift) > MAX_AREA_PAGES) {
            throw new IllegalArgumentException("an area of " + areaBytes + " bytes has more than " + MAX_AREA_PAGES
                    + " pages of " + pageSize + " bytes, too many for its page map");
        }
        this.areaBytes = Math.max(pageSize, (areaBytes + pageSize - 1) & -pageSize);
        this.home = grow(this.areaBytes) ? areas.first : EMPTY;
    }

    /**
     * The first area, reserved when the heap is made and kept until it is closed: its page map is what
     * {@link SlotAllocator}'s fast path reads. {@link #EMPTY} when even that reservation failed.
     */
    final Area home;

    /** The span on the page holding {@code address}, or {@code null} when no span covers it. Lock-free. */
    Span spanOf(long address) {
        Areas as = areas;
        long offset = address - as.firstBase;
        if (offset >= 0 && offset < as.firstBytes) {
            return as.firstMap[(int) (offset >>> pageShift)];
        }
        Area a = as.list.length > 1 ? areaOrNull(address) : null;
        return a == null ? null : a.map[(int) ((address - a.base) >>> pageShift)];
    }

    /** Whether {@code address} lies in an area. */
    boolean inArea(long address) {
        return areaOrNull(address) != null;
    }

    /**
     * Takes a committed run of {@code pages} pages aligned to {@code alignment} bytes and makes it a span.
     *
     * @return the span, or {@code null} when address space or commit fails (nothing changes then)
     */
    synchronized Span allocate(long pages, long alignment, int sizeClass, int slotSize) {
        long alignPages = Math.max(1, alignment >>> pageShift);
        long worst = pages + alignPages - 1;
        Run run = freeByLength.ceiling(new Run(Long.MIN_VALUE, pages));
        long start = run == null ? 0 : alignedStartIn(run, pages, alignment);
        while (run != null && start == 0) {
            run = freeByLength.higher(run);
            start = run == null ? 0 : alignedStartIn(run, pages, alignment);
        }
        Area grown = null;
        if (run == null) {
            if (worst > MAX_AREA_PAGES || !grow(Math.max(areaBytes, (worst << pageShift)))) {
                return null;
            }
            grown = areas.list[areas.list.length - 1];
            run = freeByLength.ceiling(new Run(Long.MIN_VALUE, worst));
            start = alignedStartIn(run, pages, alignment);
        }
        long bytes = pages << pageShift;
        if (!vm.commit(start, bytes)) {
            if (grown != null && grown != home) {     // nothing changes: the area made for this goes back
                removeFree(freeByStart.get(grown.base));
                removeArea(grown);
            }
            return null;
        }
        removeFree(run);
        if (start > run.start()) {
            addFree(new Run(run.start(), (start - run.start()) >>> pageShift));
        }
        long runEnd = run.start() + (run.pages() << pageShift);
        if (start + bytes < runEnd) {
            addFree(new Run(start + bytes, (runEnd - start - bytes) >>> pageShift));
        }
        Span span = new Span(start, (int) pages, pageSize, sizeClass, slotSize);
        mapSpan(span, span);
        committed += bytes;
        peakCommitted = Math.max(peakCommitted, committed);
        spans++;
        if (span.isLarge()) {
            largeBlocks++;
            largeBytes += span.bytes;
        }
        return span;
    }

    /** The first address in {@code run} aligned to {@code alignment} with {@code pages} pages after it, or 0. */
    private long alignedStartIn(Run run, long pages, long alignment) {
        long start = (run.start() + alignment - 1) & -alignment;
        return start + (pages << pageShift) <= run.start() + (run.pages() << pageShift) ? start : 0;
    }

    /**
     * Decommits a span's pages, clears its map entries and coalesces the run with its free neighbours.
     *
     * @return false, changing nothing, when the span is no longer in the map (released already)
     */
    synchronized boolean release(Span span) {
        Area owner = areaOrNull(span.start);
        if (owner == null || owner.map[(int) ((span.start - owner.base) >>> pageShift)] != span) {
            return false;                               // released already: a racing double free
        }
        mapSpan(span, null);
        vm.decommit(span.start, span.bytes);
        committed -= span.bytes;
        spans--;
        if (span.isLarge()) {
            largeBlocks--;
            largeBytes -= span.bytes;
        }
        long start = span.start;
        long pages = span.pages;
        Area area = areaOf(start);
        Map.Entry<Long, Run> below = freeByStart.lowerEntry(start);
        if (below != null && below.getValue().start() + (below.getValue().pages() << pageShift) == start
                && areaOf(below.getKey()) == area) {
            removeFree(below.getValue());
            start = below.getKey();
            pages += below.getValue().pages();
        }
        Run above = freeByStart.get(start + (pages << pageShift));
        if (above != null && areaOf(above.start()) == area) {
            removeFree(above);
            pages += above.pages();
        }
        if (start == area.base && (pages << pageShift) == area.bytes && area != home) {
            removeArea(area);
        } else {
            addFree(new Run(start, pages));
        }
        return true;
    }

    private boolean grow(long bytes) {
        Region region;
        try {
            region = vm.reserve(bytes);
        } catch (IllegalStateException | IllegalArgumentException e) {
            return false;                   // out of address space is an allocation failure, not an error
        }
        if (region == null) {
            return false;
        }
        Area area = new Area(region, pageShift);
        Area[] grown = java.util.Arrays.copyOf(areas.list, areas.list.length + 1);
        grown[grown.length - 1] = area;
        areas = new Areas(grown);
        reserved += area.bytes;
        peakReserved = Math.max(peakReserved, reserved);
        addFree(new Run(area.base, area.bytes >>> pageShift));
        return true;
    }

    private void removeArea(Area area) {
        List<Area> kept = new ArrayList<>(List.of(areas.list));
        kept.remove(area);
        areas = new Areas(kept.toArray(new Area[0]));
        reserved -= area.bytes;
        vm.release(area.region);
    }

    private Area areaOrNull(long address) {
        for (Area a : areas.list) {
            if (address - a.base >= 0 && address - a.base < a.bytes) {
                return a;
            }
        }
        return null;
    }

    private Area areaOf(long address) {
        Area a = areaOrNull(address);
        if (a == null) {
            throw new IllegalStateException("page heap: " + Long.toHexString(address) + " is in no area");
        }
        return a;
    }

    private void mapSpan(Span span, Span value) {
        Area a = areaOf(span.start);
        int first = (int) ((span.start - a.base) >>> pageShift);
        java.util.Arrays.fill(a.map, first, first + span.pages, value);
    }

    private void addFree(Run run) {
        freeByStart.put(run.start(), run);
        freeByLength.add(run);
    }

    private void removeFree(Run run) {
        freeByStart.remove(run.start());
        freeByLength.remove(run);
    }

    /** Gives back every span: areas other than the home area are released, the home area decommitted. */
    synchronized void clear() {
        for (Area a : areas.list) {
            if (a != home) {
                vm.release(a.region);
            }
        }
        forgetRuns();
        areas = new Areas(home == EMPTY ? new Area[0] : new Area[] {home});
        if (home != EMPTY) {
            vm.decommit(home.base, home.bytes);
            java.util.Arrays.fill(home.map, null);
            reserved = home.bytes;
            addFree(new Run(home.base, home.bytes >>> pageShift));
        }
    }

    /** Releases every area: all spans are gone afterwards. */
    synchronized void releaseAll() {
        for (Area a : areas.list) {
            vm.release(a.region);
        }
        areas = new Areas(new Area[0]);
        forgetRuns();
    }

    /** Empties the free runs and zeroes the counts, for {@link #clear()} and {@link #releaseAll()}. */
    private void forgetRuns() {
        freeByStart.clear();
        freeByLength.clear();
        committed = 0;
        reserved = 0;
        spans = 0;
        largeBlocks = 0;
        largeBytes = 0;
    }

    /**
     * Visits every span, then every free run as {@code [start, pages]}, each in address order. A free run
     * at the top of an area, above its highest span, is address space held in reserve rather than a hole
     * between blocks: it is visited only when {@code reserveToo}.
     */
    synchronized void forEach(Consumer<Span> spanVisitor, Consumer<long[]> freeRunVisitor, boolean reserveToo) {
        java.util.Map<Area, Long> top = new java.util.IdentityHashMap<>();
        for (Area a : areas.list) {
            Span last = null;
            for (Span s : a.map) {
                if (s != null && s != last) {
                    spanVisitor.accept(s);
                    last = s;
                }
            }
            top.put(a, last == null ? a.base : last.end());
        }
        for (Run r : freeByStart.values()) {
            if (reserveToo || r.start() < top.get(areaOf(r.start()))) {
                freeRunVisitor.accept(new long[] {r.start(), r.pages()});
            }
        }
    }

    /** {@link #forEach(Consumer, Consumer, boolean)} with every free run. */
    void forEach(Consumer<Span> spanVisitor, Consumer<long[]> freeRunVisitor) {
        forEach(spanVisitor, freeRunVisitor, true);
    }

    /** Checks that free runs and spans tile every area, and that free runs are not committed. */
    synchronized void verify(String strategy) {
        for (Area a : areas.list) {
            long at = a.base;
            int page = 0;
            int pages = a.map.length;
            while (page < pages) {
                Span s = a.map[page];
                if (s != null) {
                    if (s.start != a.base + ((long) page << pageShift)) {
                        throw new IllegalStateException(strategy + ": page map names span at " + Long.toHexString(s.start)
                                + " for page " + Long.toHexString(a.base + ((long) page << pageShift)));
                    }
                    for (int p = page; p < page + s.pages; p++) {
                        if (a.map[p] != s) {
                            throw new IllegalStateException(strategy + ": span at " + Long.toHexString(s.start)
                                    + " is not mapped on each of its " + s.pages + " pages");
                        }
                    }
                    if (!vm.isCommitted(s.start, s.bytes)) {
                        throw new IllegalStateException(strategy + ": span at " + Long.toHexString(s.start)
                                + " is not wholly committed");
                    }
                    page += s.pages;
                } else {
                    Run r = freeByStart.get(a.base + ((long) page << pageShift));
                    if (r == null) {
                        throw new IllegalStateException(strategy + ": page " + Long.toHexString(at
                                + ((long) page << pageShift)) + " is neither in a span nor in a free run");
                    }
                    if (!freeByLength.contains(r)) {
                        throw new IllegalStateException(strategy + ": free run at " + Long.toHexString(r.start())
                                + " is missing from the by-length index");
                    }
                    page += (int) r.pages();
                }
            }
        }
        if (freeByStart.size() != freeByLength.size()) {
            throw new IllegalStateException(strategy + ": " + freeByStart.size() + " free runs by address but "
                    + freeByLength.size() + " by length");
        }
    }

    synchronized long committed() {
        return committed;
    }

    synchronized long peakCommitted() {
        return peakCommitted;
    }

    synchronized long reserved() {
        return reserved;
    }

    synchronized long peakReserved() {
        return peakReserved;
    }

    /** Large blocks (each a span of its own) and their bytes. */
    synchronized long[] large() {
        return new long[] {largeBlocks, largeBytes};
    }

    synchronized long spans() {
        return spans;
    }
}
