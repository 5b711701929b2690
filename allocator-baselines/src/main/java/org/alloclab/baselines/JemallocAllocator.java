package org.alloclab.baselines;

import java.util.concurrent.atomic.AtomicBoolean;

import org.alloclab.api.AllocatorStats;

/**
 * {@code jemalloc}: Jason Evans's allocator (FreeBSD's libc, Firefox, Meta's servers) — size classes
 * spaced four per doubling, slabs for small sizes, per-thread caches, several arenas, unused pages purged
 * on a decay curve. The build is LWJGL's from Maven Central ({@link Jemalloc}), with its defaults: thread
 * caches on, dirty pages purged over 10 s.
 *
 * <pre>
 *   allocate(size, align)       →  je_mallocx(size, MALLOCX_ARENA(a))        align ≤ 8, or ≤ 16 from 16 bytes
 *                               →  … | MALLOCX_LG_ALIGN(log2 align)          otherwise
 *   reallocate(p, n)            →  je_rallocx(p, n, MALLOCX_ARENA(a))
 *   free(p)                     →  je_free(p)
 *   usableSize(p)               →  je_malloc_usable_size(p)
 *   committed_bytes             =  resident pages (mincore) of the address space arena a took through its
 *                                  extent hooks, grown since the arena was created
 * </pre>
 * where {@code a} is the one arena alloclab creates in the process ({@link Jemalloc}).
 *
 * <h2>Footprint: resident pages, as a C program's</h2>
 * What a program's allocator costs it is the pages that are resident: mapped and touched, not given back.
 * jemalloc's page counts ({@code pactive}, {@code pdirty}) count every page of an extent in use or kept
 * dirty, touched or not; a slab of a size class counts whole from its first block on, so a small heap with
 * many size classes in use reads well above what the kernel holds for it. {@code committed_bytes} and
 * {@code resident_bytes} are therefore the resident pages ({@code mincore}) of the ranges the arena took
 * from the system through its hooks — the arena's metadata included, as in a C program — minus those
 * resident when the arena was created: a C program's resident growth since it started. The heap is shared
 * by every jemalloc allocator in the process, alive or before; each creation and {@code close()} flushes the
 * calling thread's cache and purges every arena, so a new allocator starts from a heap with no dirty pages,
 * but partly used slabs stay resident and the next replay reuses them (why the count is not growth since
 * this allocator's creation: {@link TcmallocAllocator}). Other threads' caches are not flushed. The page
 * counts are reported beside it, grown since creation: {@code active_bytes}, {@code dirty_bytes},
 * {@code muzzy_bytes} and {@code mapped_bytes} (their sum), and {@code pages_bytes}, jemalloc's own
 * measure ({@code (pactive + pdirty) × page}). {@code overhead_bytes} is 0: jemalloc keeps no header beside
 * a block. Should a hook have failed, {@code committed_bytes} is {@code pages_bytes} and one line on stderr
 * says why.
 *
 * <h2>Tracking and its cost</h2>
 * As for {@link GlibcAllocator}: an {@link AddressTable} of live blocks (24 to 48 bytes of Java heap per
 * block, one uncontended lock per operation) turns a free or reallocation of an address that is not a
 * live block into an exception before jemalloc sees it. Reading the footprint takes five
 * {@code mallctl} calls, made only by {@code stats()}.
 *
 * <p>Thread-safe, as jemalloc is.
 */
public final class JemallocAllocator extends NativeHeapAllocator {

    private static final Calls CALLS = new Calls(Jemalloc::allocate, Jemalloc::realloc, Jemalloc::free, Jemalloc::usableSize);

    private static final AtomicBoolean FALLBACK_TOLD = new AtomicBoolean();

    private final Jemalloc.Pages baseline;
    private final long baseResident;

    /**
     * A new view of LWJGL's jemalloc heap.
     *
     * @throws IllegalStateException when LWJGL's jemalloc cannot be loaded
     */
    public JemallocAllocator() {
        super("jemalloc", CALLS);
        Jemalloc.requireAvailable();
        Jemalloc.flushAndPurge();
        this.baseline = Jemalloc.pages();
        this.baseResident = Jemalloc.residentAtCreation();
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        Jemalloc.Pages p = Jemalloc.pages().since(baseline);
        long pages = p.active() + p.dirty();
        extra.bytes("pages_bytes", pages, "(pactive + pdirty) × page grown since creation: jemalloc's own measure, untouched pages of extents in use included")
                .bytes("mapped_bytes", pages + p.muzzy(), "(pactive + pdirty + pmuzzy) × page grown since creation: mapped, not purged")
                .bytes("active_bytes", p.active(), "pactive × page grown since creation: pages of extents in use")
                .bytes("dirty_bytes", p.dirty(), "pdirty × page grown since creation: unused, not yet purged")
                .bytes("muzzy_bytes", p.muzzy(), "pmuzzy × page grown since creation: lazily purged (MADV_FREE)");
        return residentFootprint(extra, Jemalloc.ranges(), baseResident,
                "the address space alloclab's arena took through its extent hooks, grown since the arena was created",
                Jemalloc.hookFault(), pages, FALLBACK_TOLD, "jemalloc: footprint from its page counts (untouched pages counted)");
    }

    @Override
    void released() {
        Jemalloc.flushAndPurge();
    }
}
