package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.lwjgl.system.jemalloc.JEmalloc;

/**
 * jemalloc as LWJGL ships it ({@code org.lwjgl:lwjgl-jemalloc} and its {@code natives-linux} jar): a
 * {@code je_}-prefixed build loaded beside the C library's {@code malloc}, so its heap holds only what
 * alloclab puts there. Allocation goes through LWJGL's raw-address entry points ({@code nje_malloc},
 * {@code nje_mallocx}, …); {@code mallctl} is called with its name, result and length in FFM segments
 * allocated once.
 *
 * <h2>What this build tells</h2>
 * LWJGL builds jemalloc without {@code --enable-stats} ({@code config.stats} is false), so
 * {@code stats.allocated}, {@code stats.active}, {@code stats.resident}, {@code stats.mapped} and
 * {@code stats.metadata} answer {@code ENOENT}. What every build keeps are the page counts per arena,
 * refreshed by writing {@code epoch}: {@code stats.arenas.<i>.pactive} (pages of extents in use),
 * {@code pdirty} (unused pages not yet purged, still resident) and {@code pmuzzy} (pages given to the
 * kernel with {@code MADV_FREE}, which it may or may not have reclaimed), summed over all arenas at
 * {@code i = MALLCTL_ARENAS_ALL} (4096). See {@link JemallocAllocator} for what is reported from them.
 */
final class Jemalloc {

    /** {@code MALLCTL_ARENAS_ALL}: the pseudo-arena index meaning every arena. */
    static final int ALL_ARENAS = 4096;

    /** The smallest alignment {@code je_malloc} guarantees for every size (its 8-byte class is 8-aligned). */
    static final long MALLOC_ALIGNMENT = 8;

    /**
     * Pages per arena counts, in bytes.
     *
     * @param active pages of extents in use
     * @param dirty  unused pages not yet purged (resident)
     * @param muzzy  unused pages lazily purged ({@code MADV_FREE}), perhaps still resident
     */
    record Pages(long active, long dirty, long muzzy) {
        /** {@code this} minus {@code base}, each count at least 0. */
        Pages since(Pages base) {
            return new Pages(Math.max(0, active - base.active), Math.max(0, dirty - base.dirty),
                    Math.max(0, muzzy - base.muzzy));
        }
    }

    private static final String UNAVAILABLE = load();
    private static final Arena NAMES = Arena.global();
    private static final MemorySegment EPOCH = NAMES.allocateFrom("epoch");
    private static final MemorySegment PAGE = NAMES.allocateFrom("arenas.page");
    private static final MemorySegment PACTIVE = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pactive");
    private static final MemorySegment PDIRTY = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pdirty");
    private static final MemorySegment PMUZZY = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pmuzzy");
    private static final MemorySegment FLUSH = NAMES.allocateFrom("thread.tcache.flush");
    private static final MemorySegment PURGE = NAMES.allocateFrom("arena." + ALL_ARENAS + ".purge");
    /** Result, result length and new value of a {@code mallctl}; guarded by {@code Jemalloc.class}. */
    private static final MemorySegment OLD = NAMES.allocate(8);
    private static final MemorySegment OLD_LENGTH = NAMES.allocate(8);
    private static final MemorySegment NEW = NAMES.allocate(8);
    private static long pageSize;

    private Jemalloc() {
    }

    private static String load() {
        try {
            JEmalloc.getLibrary();
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "jemalloc: LWJGL could not load its jemalloc build (org.lwjgl:lwjgl-jemalloc and its"
                    + " natives-linux jar must be on the class path): " + e;
        }
    }

    /** @throws IllegalStateException saying why, when LWJGL's jemalloc cannot be loaded */
    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }

    /** {@code je_malloc}, or {@code je_mallocx} with {@code MALLOCX_LG_ALIGN} above 8: the block or 0. */
    static long allocate(long size, long alignment) {
        return alignment <= MALLOC_ALIGNMENT ? JEmalloc.nje_malloc(size)
                : JEmalloc.nje_mallocx(size, JEmalloc.MALLOCX_LG_ALIGN(Long.numberOfTrailingZeros(alignment)));
    }

    /** {@code je_realloc}: the block, or 0 with the old one intact. */
    static long realloc(long address, long size) {
        return JEmalloc.nje_realloc(address, size);
    }

    /** {@code je_free}. */
    static void free(long address) {
        JEmalloc.nje_free(address);
    }

    /** {@code je_malloc_usable_size}. */
    static long usableSize(long address) {
        return JEmalloc.nje_malloc_usable_size(address);
    }

    /** The page counts of every arena now, after an {@code epoch} refresh. */
    static synchronized Pages pages() {
        NEW.set(ValueLayout.JAVA_LONG, 0, 1);
        check("epoch", JEmalloc.nje_mallctl(EPOCH.address(), 0, 0, NEW.address(), 8));
        if (pageSize == 0) {
            pageSize = read("arenas.page", PAGE);
        }
        return new Pages(read("pactive", PACTIVE) * pageSize, read("pdirty", PDIRTY) * pageSize,
                read("pmuzzy", PMUZZY) * pageSize);
    }

    /** Flushes the calling thread's cache back to its arena, then purges the unused pages of every arena. */
    static synchronized void flushAndPurge() {
        check("thread.tcache.flush", JEmalloc.nje_mallctl(FLUSH.address(), 0, 0, 0, 0));
        check("arena.<all>.purge", JEmalloc.nje_mallctl(PURGE.address(), 0, 0, 0, 0));
    }

    /** Reads a {@code size_t} control. Caller holds the class monitor. */
    private static long read(String what, MemorySegment name) {
        OLD_LENGTH.set(ValueLayout.JAVA_LONG, 0, 8);
        check(what, JEmalloc.nje_mallctl(name.address(), OLD.address(), OLD_LENGTH.address(), 0, 0));
        return OLD.get(ValueLayout.JAVA_LONG, 0);
    }

    private static void check(String what, int error) {
        if (error != 0) {
            throw new IllegalStateException("jemalloc: mallctl(\"" + what + "\") failed with error " + error);
        }
    }
}
