package org.alloclab.baselines;

import org.alloclab.api.AllocatorStats;

/**
 * {@code jemalloc}: Jason Evans's allocator (FreeBSD's libc, Firefox, Meta's servers) — size classes
 * spaced four per doubling, slabs for small sizes, per-thread caches, several arenas, unused pages purged
 * on a decay curve. The build is LWJGL's from Maven Central ({@link Jemalloc}), with its defaults: thread
 * caches on, dirty pages purged over 10 s.
 *
 * <pre>
 *   allocate(size, align ≤ 8)   →  je_malloc(size)
 *   allocate(size, align > 8)   →  je_mallocx(size, MALLOCX_LG_ALIGN(log2 align))
 *   reallocate(p, n)            →  je_realloc(p, n)
 *   free(p)                     →  je_free(p)
 *   usableSize(p)               →  je_malloc_usable_size(p)
 *   committed_bytes             =  (pactive + pdirty) × page, all arenas, after an epoch refresh,
 *                                  minus that sum at creation
 * </pre>
 *
 * <h2>Footprint: why resident</h2>
 * jemalloc's own footprint measure is {@code stats.resident}: every page backing an active allocation,
 * every unused dirty page not yet purged, and its metadata — what it holds in physical memory, which is
 * what {@code committed_bytes} means for alloclab's strategies (pages committed and not given back,
 * whether a block sits in them or not). {@code stats.active} leaves out the dirty pages jemalloc keeps for
 * reuse, which is exactly the footprint cost of its decay policy; {@code stats.mapped} counts address
 * space. LWJGL's build has no {@code config.stats}, so those figures are not available; the page counts
 * every build keeps give the same measure without the metadata: {@code committed_bytes} and
 * {@code resident_bytes} are {@code (pactive + pdirty) × page}, {@code mapped_bytes} adds the muzzy pages
 * ({@code stats.mapped} less metadata). Each is growth since creation, never below 0: the heap is
 * shared by every jemalloc allocator alive in the process, and each creation and {@code close()} flushes
 * the calling thread's cache and purges every arena, so a new allocator starts from a clean heap
 * instead of the last one's leftovers. Other threads' caches are not flushed and count as active.
 * {@code overhead_bytes} is 0: jemalloc keeps no header beside a block, and this build does not report
 * its metadata.
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

    private final Jemalloc.Pages baseline;

    /**
     * A new view of LWJGL's jemalloc heap.
     *
     * @throws IllegalStateException when LWJGL's jemalloc cannot be loaded
     */
    public JemallocAllocator() {
        super("jemalloc");
        Jemalloc.requireAvailable();
        Jemalloc.flushAndPurge();
        this.baseline = Jemalloc.pages();
    }

    @Override
    long nativeAllocate(long size, long alignment) {
        return Jemalloc.allocate(size, alignment);
    }

    @Override
    long nativeReallocate(long address, long newSize) {
        return Jemalloc.realloc(address, newSize);
    }

    @Override
    void nativeFree(long address) {
        Jemalloc.free(address);
    }

    @Override
    long nativeUsableSize(long address) {
        return Jemalloc.usableSize(address);
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        Jemalloc.Pages p = Jemalloc.pages().since(baseline);
        long resident = p.active() + p.dirty();
        extra.bytes("resident_bytes", resident, "(pactive + pdirty) × page grown since creation: jemalloc's resident pages without metadata")
                .bytes("mapped_bytes", resident + p.muzzy(), "(pactive + pdirty + pmuzzy) × page grown since creation: mapped, not purged")
                .bytes("active_bytes", p.active(), "pactive × page grown since creation: pages of extents in use")
                .bytes("dirty_bytes", p.dirty(), "pdirty × page grown since creation: unused, not yet purged")
                .bytes("muzzy_bytes", p.muzzy(), "pmuzzy × page grown since creation: lazily purged (MADV_FREE)");
        return resident;
    }

    @Override
    long overheadBytes(long liveBlocks) {
        return 0;
    }

    @Override
    void released() {
        Jemalloc.flushAndPurge();
    }
}
