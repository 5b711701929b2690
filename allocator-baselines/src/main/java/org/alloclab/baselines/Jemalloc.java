package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;

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
 *
 * <h2>An arena of alloclab's, and the address space it takes</h2>
 * The page counts say which pages jemalloc has given to extents, not which it has touched: a slab extent
 * of a size class counts whole as soon as its first block is handed out. What a C program's resident
 * memory shows is the touched pages, so the footprint comes from the address space itself. At first use
 * one arena is created ({@code arenas.create}) with <em>extent hooks</em> of alloclab's: the default
 * hooks (read from {@code arena.0.extent_hooks}) for commit, decommit, purge, split and merge, and for
 * {@code alloc}, {@code dalloc} and {@code destroy} upcalls that call the default and record which ranges
 * the arena holds from the system ({@link #ranges()}). Every allocation names that arena
 * ({@code MALLOCX_ARENA}); the thread caches stay on, as in a C program, and fill from it. The arena's
 * metadata (its {@code base}) comes through the same hooks and counts, as it would in a C program; the
 * process-wide radix tree that maps pages to extents (a few bytes per page) does not. Allocation goes
 * through LWJGL's JNI entry points, whose native state allows the hooks' upcalls.
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

    /** Why jemalloc cannot be used, or null; set last of the static fields (see the end of the class). */
    private static final String UNAVAILABLE;
    private static final Arena NAMES = Arena.global();
    private static final MemorySegment EPOCH = NAMES.allocateFrom("epoch");
    private static final MemorySegment PAGE = NAMES.allocateFrom("arenas.page");
    private static final MemorySegment PACTIVE = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pactive");
    private static final MemorySegment PDIRTY = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pdirty");
    private static final MemorySegment PMUZZY = NAMES.allocateFrom("stats.arenas." + ALL_ARENAS + ".pmuzzy");
    private static final MemorySegment FLUSH = NAMES.allocateFrom("thread.tcache.flush");
    private static final MemorySegment PURGE = NAMES.allocateFrom("arena." + ALL_ARENAS + ".purge");
    private static final MemorySegment VERSION = NAMES.allocateFrom("version");
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
        } catch (LinkageError | RuntimeException e) {
            return "jemalloc: LWJGL could not load its jemalloc build (org.lwjgl:lwjgl-jemalloc and its"
                    + " natives-linux jar must be on the class path): " + e;
        }
        try {
            createArena();
            return null;
        } catch (Throwable e) {
            return "jemalloc: could not create an arena with extent hooks: " + e;
        }
    }

    // ---- the arena and its hooks ---------------------------------------------------------------------

    /** The address space the arena took through its hooks. */
    private static final AddressRanges RANGES = new AddressRanges();
    /** {@code extent_hooks_t}: nine function pointers, in jemalloc 5's order. */
    private static final long HOOKS_SIZE = 9 * 8;
    private static final long ALLOC = 0;
    private static final long DALLOC = 8;
    private static final long DESTROY = 16;
    private static MemorySegment defaultHooks;
    private static MethodHandle defaultAlloc;
    private static MethodHandle defaultDalloc;
    private static MethodHandle defaultDestroy;
    /** {@code MALLOCX_ARENA} of the arena, or 0 before it exists. */
    private static int arenaFlags;
    private static int arenaIndex = -1;
    private static volatile String hookFault;
    /** Resident bytes of the arena's ranges once it was created (its metadata): the footprint's zero. */
    private static long atCreation;

    private static void createArena() throws Throwable {
        Arena global = Arena.global();
        var j = ValueLayout.JAVA_LONG;
        var i = ValueLayout.JAVA_INT;
        var b = ValueLayout.JAVA_BOOLEAN;
        MemorySegment result = global.allocate(8);
        MemorySegment length = global.allocate(8);
        length.set(j, 0, 8);
        check("arena.0.extent_hooks", JEmalloc.nje_mallctl(global.allocateFrom("arena.0.extent_hooks").address(),
                result.address(), length.address(), 0, 0));
        defaultHooks = MemorySegment.ofAddress(result.get(j, 0)).reinterpret(HOOKS_SIZE);
        var alloc = FunctionDescriptor.of(j, j, j, j, j, j, j, i);
        var dalloc = FunctionDescriptor.of(b, j, j, j, b, i);
        var destroy = FunctionDescriptor.ofVoid(j, j, j, b, i);
        Linker linker = Linker.nativeLinker();
        defaultAlloc = linker.downcallHandle(MemorySegment.ofAddress(defaultHooks.get(j, ALLOC)), alloc);
        defaultDalloc = linker.downcallHandle(MemorySegment.ofAddress(defaultHooks.get(j, DALLOC)), dalloc);
        defaultDestroy = linker.downcallHandle(MemorySegment.ofAddress(defaultHooks.get(j, DESTROY)), destroy);
        var lookup = MethodHandles.lookup();
        MemorySegment hooks = global.allocate(HOOKS_SIZE, 8);
        hooks.copyFrom(defaultHooks);
        hooks.set(j, ALLOC, linker.upcallStub(lookup.findStatic(Jemalloc.class, "extentAlloc", alloc.toMethodType()),
                alloc, global).address());
        hooks.set(j, DALLOC, linker.upcallStub(lookup.findStatic(Jemalloc.class, "extentDalloc", dalloc.toMethodType()),
                dalloc, global).address());
        hooks.set(j, DESTROY, linker.upcallStub(lookup.findStatic(Jemalloc.class, "extentDestroy", destroy.toMethodType()),
                destroy, global).address());
        MemorySegment hooksPointer = global.allocate(8);
        hooksPointer.set(j, 0, hooks.address());
        MemorySegment index = global.allocate(4);
        MemorySegment indexLength = global.allocate(8);
        indexLength.set(j, 0, 4);
        check("arenas.create", JEmalloc.nje_mallctl(global.allocateFrom("arenas.create").address(), index.address(),
                indexLength.address(), hooksPointer.address(), 8));
        arenaIndex = index.get(i, 0);
        arenaFlags = JEmalloc.MALLOCX_ARENA(arenaIndex);
        atCreation = RANGES.resident();
    }

    /** The alloc hook: the default's, and the range it returned recorded. Nothing may leave an upcall. */
    private static long extentAlloc(long hooks, long newAddress, long size, long alignment, long zero, long commit,
                                    int arena) {
        try {
            long address = (long) defaultAlloc.invokeExact(defaultHooks.address(), newAddress, size, alignment, zero, commit, arena);
            if (address != 0) {
                RANGES.add(address, size);
            }
            return address;
        } catch (Throwable t) {
            hookFault = "extent alloc hook: " + t;
            return 0;
        }
    }

    /** The dalloc hook: the default's (false: unmapped, so the range goes; true: jemalloc keeps it). */
    private static boolean extentDalloc(long hooks, long address, long size, boolean committed, int arena) {
        try {
            boolean kept = (boolean) defaultDalloc.invokeExact(defaultHooks.address(), address, size, committed, arena);
            if (!kept) {
                RANGES.remove(address, size);
            }
            return kept;
        } catch (Throwable t) {
            hookFault = "extent dalloc hook: " + t;
            return true;
        }
    }

    /** The destroy hook: the default's, and the range goes. */
    private static void extentDestroy(long hooks, long address, long size, boolean committed, int arena) {
        try {
            defaultDestroy.invokeExact(defaultHooks.address(), address, size, committed, arena);
            RANGES.remove(address, size);
        } catch (Throwable t) {
            hookFault = "extent destroy hook: " + t;
        }
    }

    /** The address space alloclab's arena holds from the system. */
    static AddressRanges ranges() {
        return RANGES;
    }

    /** Resident bytes of the arena's ranges when it was created, before any allocation. */
    static long residentAtCreation() {
        return atCreation;
    }

    /** The index of alloclab's arena. */
    static int arena() {
        return arenaIndex;
    }

    /** Why a hook failed, or null: the figures from {@link #ranges()} are then not to be trusted. */
    static String hookFault() {
        return hookFault;
    }

    /** Why jemalloc cannot be used here, or null. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** @throws IllegalStateException saying why, when LWJGL's jemalloc cannot be loaded */
    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }

    /** The alignment {@code je_malloc} gives blocks of 16 bytes and more. */
    static final long LARGE_ALIGNMENT = 16;

    /**
     * {@code je_mallocx} from alloclab's arena, with {@code MALLOCX_LG_ALIGN} only where the alignment is
     * more than {@code je_malloc} gives this size: the block or 0.
     */
    static long allocate(long size, long alignment) {
        return alignment <= MALLOC_ALIGNMENT || alignment <= LARGE_ALIGNMENT && size >= LARGE_ALIGNMENT
                ? JEmalloc.nje_mallocx(size, arenaFlags)
                : JEmalloc.nje_mallocx(size, arenaFlags | JEmalloc.MALLOCX_LG_ALIGN(Long.numberOfTrailingZeros(alignment)));
    }

    /** {@code je_rallocx} in alloclab's arena: the block, or 0 with the old one intact. */
    static long realloc(long address, long size) {
        return JEmalloc.nje_rallocx(address, size, arenaFlags);
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

    /** {@code version}: "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c". */
    static synchronized String version() {
        OLD_LENGTH.set(ValueLayout.JAVA_LONG, 0, 8);
        check("version", JEmalloc.nje_mallctl(VERSION.address(), OLD.address(), OLD_LENGTH.address(), 0, 0));
        return MemorySegment.ofAddress(OLD.get(ValueLayout.JAVA_LONG, 0)).reinterpret(256).getString(0);
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

    static {
        UNAVAILABLE = load();   // after every other static field: the arena's hooks run while it is created
    }
}
