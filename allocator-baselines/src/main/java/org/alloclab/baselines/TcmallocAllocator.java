package org.alloclab.baselines;

import java.util.concurrent.atomic.AtomicBoolean;

import org.alloclab.api.AllocatorStats;

/**
 * {@code tcmalloc}: gperftools' thread-caching malloc (Sanjay Ghemawat, Google) — per-thread caches of
 * small blocks in about 90 size classes, central free lists, a page heap of 8 KiB pages that returns free
 * spans to the system at a steady rate. The library is the system's ({@link Tcmalloc}), with its defaults.
 *
 * <pre>
 *   allocate(size, align)     →  tc_malloc(size)              align ≤ 8, or ≤ 16 for 16 bytes and more
 *                             →  tc_memalign(align, size)     otherwise
 *   reallocate(p, n)          →  tc_realloc(p, n)
 *   free(p)                   →  tc_free(p)
 *   usableSize(p)             →  tc_malloc_size(p)
 *   committed_bytes           =  resident pages of the address space tcmalloc took from the system
 *                                (mincore), grown since the library was loaded
 * </pre>
 *
 * <h2>Footprint: what a C program's resident memory would show</h2>
 * A program's resident memory holds the pages its allocator mapped and then touched; pages mapped and
 * never touched, or given back with {@code madvise}, are not resident. tcmalloc's own figures
 * ({@code generic.heap_size} less {@code tcmalloc.pageheap_unmapped_bytes}) count every page of every span
 * it has not released, touched or not, so they overstate a small heap that took a megabyte at a time.
 * {@code committed_bytes} and {@code resident_bytes} are therefore the resident pages ({@code mincore}) of
 * every range tcmalloc took with {@code sbrk} or {@code mmap} — its metadata included, as in a C program —
 * minus those resident once the library had loaded: a C program's resident growth since it started. The
 * heap is the process's, shared by every {@code tcmalloc} allocator alive and by every one before:
 * creation and {@code close()} give the calling thread's cache back and release every free span to the
 * system, but blocks cached in tcmalloc's central lists stay resident, and the next replay reuses them.
 * Counting growth since this allocator's creation would leave those out (a replay after warm-ups then read
 * 0.74 of its live bytes); counting since the load charges a replay with what earlier ones left, which a
 * replay of the same operations mostly reuses. A cell in a JVM of its own (the harness's default) is a
 * process that replays one workload; in one JVM for many workloads, a smaller one after a larger one is
 * charged with the larger one's leftovers. Should the ranges
 * not be known ({@link Tcmalloc#rangesUnknown()}), {@code committed_bytes} is the growth of tcmalloc's own
 * figure and one line on stderr says why. {@code overhead_bytes} is 0: tcmalloc keeps no header beside
 * a block.
 *
 * <h2>Tracking and its cost</h2>
 * As for {@link GlibcAllocator}: an {@link AddressTable} of live blocks makes a bad free an exception before
 * tcmalloc sees it. Statistics read tcmalloc's properties and ask {@code mincore} about its ranges.
 *
 * <p>Thread-safe, as tcmalloc is.
 */
public final class TcmallocAllocator extends NativeHeapAllocator {

    private static final Calls CALLS = new Calls(Tcmalloc::allocate, Tcmalloc::realloc, Tcmalloc::free, Tcmalloc::usableSize);

    private static final AtomicBoolean FALLBACK_TOLD = new AtomicBoolean();

    private final long baseResident;
    private final long baseMapped;

    /**
     * A new view of the system's tcmalloc heap.
     *
     * @throws IllegalStateException saying what to install, when the library cannot be loaded
     */
    public TcmallocAllocator() {
        super("tcmalloc", CALLS);
        Tcmalloc.requireAvailable();
        Tcmalloc.releaseFreeMemory();
        this.baseResident = Tcmalloc.residentAtLoad();
        this.baseMapped = mapped();
    }

    /** tcmalloc's own measure: bytes of heap not given back to the system. */
    private static long mapped() {
        return Tcmalloc.property("generic.heap_size") - Tcmalloc.property("tcmalloc.pageheap_unmapped_bytes");
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        long mappedGrowth = Math.max(0, mapped() - baseMapped);
        extra.bytes("mapped_bytes", mappedGrowth, "generic.heap_size − tcmalloc.pageheap_unmapped_bytes grown since creation: tcmalloc's own measure, untouched pages included")
                .bytes("tcmalloc_heap_bytes", Tcmalloc.property("generic.heap_size"), "generic.heap_size: bytes tcmalloc took from the system, absolute")
                .bytes("tcmalloc_free_bytes", Tcmalloc.property("tcmalloc.pageheap_free_bytes"), "tcmalloc.pageheap_free_bytes: free pages of the page heap still mapped, absolute")
                .bytes("tcmalloc_unmapped_bytes", Tcmalloc.property("tcmalloc.pageheap_unmapped_bytes"), "tcmalloc.pageheap_unmapped_bytes: free pages given back to the system, absolute")
                .bytes("tcmalloc_thread_cache_bytes", Tcmalloc.property("tcmalloc.current_total_thread_cache_bytes"), "bytes in every thread's cache, absolute");
        return residentFootprint(extra, Tcmalloc.ranges(), baseResident,
                "the address space tcmalloc took with sbrk and mmap, grown since it was loaded",
                Tcmalloc.rangesUnknown(), mappedGrowth, FALLBACK_TOLD,
                "tcmalloc: footprint from tcmalloc's own figures (untouched pages counted)");
    }

    @Override
    void released() {
        Tcmalloc.releaseFreeMemory();
    }
}
