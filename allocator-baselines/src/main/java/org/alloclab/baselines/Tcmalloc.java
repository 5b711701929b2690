package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * gperftools' tcmalloc as the system has it: Debian's {@code libtcmalloc-minimal4}
 * ({@code libtcmalloc_minimal.so.4}, gperftools 2.10 on Debian 12), called through its own entry points
 * ({@code tc_malloc}, {@code tc_memalign}, {@code tc_realloc}, {@code tc_free}, {@code tc_malloc_size}) by
 * FFM downcalls. It is opened beside the C library's {@code malloc}, never in its place: the JVM and every
 * other library keep glibc.
 *
 * <h2>Why RTLD_DEEPBIND, and what it finds</h2>
 * tcmalloc takes memory from the system with {@code sbrk} (and {@code mmap} when that fails) and defines
 * both functions itself, to call the hooks a program registers with {@code MallocHook_AddSbrkHook} and
 * {@code MallocHook_AddMmapHook}. Opened plainly, its own calls would reach the C library's {@code sbrk}
 * and {@code mmap} (the process's symbols come first) and no hook would run. Opened with
 * {@code RTLD_DEEPBIND}, its own definitions come first for its own calls, so every range it takes from the
 * system is reported to {@link #ranges}, the address space whose resident pages are tcmalloc's footprint.
 * {@code libstdc++}, which tcmalloc needs, is opened first without that flag, so that it, and any library
 * that uses it later, keeps the C library's {@code malloc}.
 *
 * <p>tcmalloc initialises while it loads, before any hook can be registered, and takes its first
 * megabytes with {@code sbrk} then: the break before and after the load bounds that range, which is
 * added as well (the JVM's own threads do not move the break: their mallocs come from glibc's thread
 * arenas, which are mmapped). Should tcmalloc's first block not lie in a range known this way,
 * {@link #rangesUnknown()} says so, and the footprint falls back to tcmalloc's own figures.
 *
 * <h2>Calls</h2>
 * Allocation, reallocation and free are ordinary downcalls, not critical ones: any of them may grow the
 * heap, and the hook then calls back into Java, which a critical downcall must never do. Each therefore
 * pays a thread-state transition (a few nanoseconds, as LWJGL's JNI calls into jemalloc do).
 * {@code tc_malloc_size} cannot grow the heap and is critical.
 */
@SuppressWarnings("restricted")
final class Tcmalloc {

    /** The library, as Debian names it. */
    static final String LIBRARY = "libtcmalloc_minimal.so.4";
    /** What to install when it is missing. */
    static final String PACKAGE = "libtcmalloc-minimal4";

    /** The smallest alignment {@code tc_malloc} gives every size: its 8-byte class is 8-aligned; 16 from 16 bytes. */
    static final long MALLOC_ALIGNMENT = 8;
    /** The alignment {@code tc_malloc} gives blocks of 16 bytes and more. */
    static final long LARGE_ALIGNMENT = 16;

    /** Why tcmalloc cannot be used here, or null when it can. */
    private static final String UNAVAILABLE;
    private static final AddressRanges RANGES = new AddressRanges();
    private static final MethodHandle MALLOC;
    private static final MethodHandle MEMALIGN;
    private static final MethodHandle REALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle USABLE_SIZE;
    private static final MethodHandle GET_PROPERTY;
    private static final MethodHandle RELEASE_FREE_MEMORY;
    private static final MethodHandle MARK_THREAD_IDLE;
    private static final Arena NAMES = Arena.ofShared();
    /** Where {@code MallocExtension_GetNumericProperty} writes; guarded by {@code Tcmalloc.class}. */
    private static final MemorySegment VALUE = NAMES.allocate(8);
    private static volatile boolean firstRangeKnown;
    private static volatile String hookFault;
    /** Resident bytes of tcmalloc's ranges once it had loaded: the footprint's zero. */
    private static long atLoad;

    static {
        String why = null;
        MethodHandle malloc = null;
        MethodHandle memalign = null;
        MethodHandle realloc = null;
        MethodHandle free = null;
        MethodHandle usable = null;
        MethodHandle property = null;
        MethodHandle release = null;
        MethodHandle idle = null;
        try {
            Libc.requireAvailable();
            SharedLibrary.open("libstdc++.so.6", SharedLibrary.NOW);
            long breakBefore = Libc.currentBreak();
            SharedLibrary lib = SharedLibrary.open(LIBRARY, SharedLibrary.NOW | SharedLibrary.DEEP_BIND);
            long breakAfter = Libc.currentBreak();
            if (breakAfter > breakBefore) {
                RANGES.add(breakBefore, breakAfter - breakBefore);
            }
            registerHooks(lib);
            var j = ValueLayout.JAVA_LONG;
            malloc = lib.downcall("tc_malloc", FunctionDescriptor.of(j, j));
            memalign = lib.downcall("tc_memalign", FunctionDescriptor.of(j, j, j));
            realloc = lib.downcall("tc_realloc", FunctionDescriptor.of(j, j, j));
            free = lib.downcall("tc_free", FunctionDescriptor.ofVoid(j));
            usable = lib.downcall("tc_malloc_size", FunctionDescriptor.of(j, j), Linker.Option.critical(false));
            property = lib.downcall("MallocExtension_GetNumericProperty",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            release = lib.downcall("MallocExtension_ReleaseFreeMemory", FunctionDescriptor.ofVoid());
            idle = lib.downcall("MallocExtension_MarkThreadIdle", FunctionDescriptor.ofVoid());
            long probe = (long) malloc.invokeExact(64L);
            firstRangeKnown = probe != 0 && RANGES.contains(probe);
            free.invokeExact(probe);
            atLoad = RANGES.resident();
        } catch (Throwable t) {
            why = "tcmalloc: " + LIBRARY + " cannot be used (" + t.getMessage() + "); install Debian's " + PACKAGE
                    + " (apt-get install " + PACKAGE + ")";
        }
        UNAVAILABLE = why;
        MALLOC = malloc;
        MEMALIGN = memalign;
        REALLOC = realloc;
        FREE = free;
        USABLE_SIZE = usable;
        GET_PROPERTY = property;
        RELEASE_FREE_MEMORY = release;
        MARK_THREAD_IDLE = idle;
    }

    private Tcmalloc() {
    }

    private static void registerHooks(SharedLibrary lib) throws Throwable {
        var lookup = MethodHandles.lookup();
        var j = ValueLayout.JAVA_LONG;
        var i = ValueLayout.JAVA_INT;
        var mmap = FunctionDescriptor.ofVoid(j, j, j, i, i, i, j);
        var munmap = FunctionDescriptor.ofVoid(j, j);
        var sbrk = FunctionDescriptor.ofVoid(j, j);
        Linker linker = Linker.nativeLinker();
        Arena stubs = Arena.global();
        MemorySegment onMmap = linker.upcallStub(lookup.findStatic(Tcmalloc.class, "mapped",
                MethodType.methodType(void.class, long.class, long.class, long.class, int.class, int.class, int.class,
                        long.class)), mmap, stubs);
        MemorySegment onMunmap = linker.upcallStub(lookup.findStatic(Tcmalloc.class, "unmapped",
                MethodType.methodType(void.class, long.class, long.class)), munmap, stubs);
        MemorySegment onSbrk = linker.upcallStub(lookup.findStatic(Tcmalloc.class, "broke",
                MethodType.methodType(void.class, long.class, long.class)), sbrk, stubs);
        var add = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
        boolean ok = (int) lib.downcall("MallocHook_AddMmapHook", add).invokeExact(onMmap) != 0
                & (int) lib.downcall("MallocHook_AddMunmapHook", add).invokeExact(onMunmap) != 0
                & (int) lib.downcall("MallocHook_AddSbrkHook", add).invokeExact(onSbrk) != 0;
        if (!ok) {
            throw new IllegalStateException("tcmalloc refused a MallocHook registration");
        }
    }

    /** The mmap hook: tcmalloc mapped {@code size} bytes at {@code result} (-1 when it failed). */
    private static void mapped(long result, long start, long size, int protection, int flags, int fd, long offset) {
        try {
            if (result != -1 && result != 0 && fd == -1) {
                RANGES.add(result, size);
            }
        } catch (Throwable t) {
            hookFault(t);
        }
    }

    /** The munmap hook. */
    private static void unmapped(long address, long size) {
        try {
            RANGES.remove(address, size);
        } catch (Throwable t) {
            hookFault(t);
        }
    }

    /** The sbrk hook: the break moved by {@code increment} from {@code result} (-1 when it failed). */
    private static void broke(long result, long increment) {
        try {
            if (result != -1 && increment > 0) {
                RANGES.add(result, increment);
            } else if (result != -1 && increment < 0) {
                RANGES.remove(result + increment, -increment);
            }
        } catch (Throwable t) {
            hookFault(t);
        }
    }

    /** A hook runs inside tcmalloc: nothing may leave it, so a failure is kept for {@link #rangesUnknown}. */
    private static void hookFault(Throwable t) {
        hookFault = "a MallocHook call failed: " + t;
    }

    /** @throws IllegalStateException saying why and what to install, when tcmalloc cannot be used */
    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }

    /** Why tcmalloc cannot be used here, or null. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** Null when every range tcmalloc took is known; otherwise why the footprint comes from its own figures. */
    static String rangesUnknown() {
        if (hookFault != null) {
            return hookFault;
        }
        return firstRangeKnown ? null : "tcmalloc's first block does not lie in the address space its load and hooks"
                + " reported (its first memory did not come from sbrk while it loaded)";
    }

    /** Resident bytes of tcmalloc's ranges right after it loaded, before any allocator used it. */
    static long residentAtLoad() {
        return atLoad;
    }

    /** The address space tcmalloc took from the system. */
    static AddressRanges ranges() {
        return RANGES;
    }

    /** {@code tc_malloc}, or {@code tc_memalign} when the alignment is more than tc_malloc gives this size. */
    static long allocate(long size, long alignment) {
        try {
            return alignment <= MALLOC_ALIGNMENT || alignment <= LARGE_ALIGNMENT && size >= LARGE_ALIGNMENT
                    ? (long) MALLOC.invokeExact(size) : (long) MEMALIGN.invokeExact(alignment, size);
        } catch (Throwable t) {
            throw unexpected("tc_malloc", t);
        }
    }

    /** {@code tc_realloc}: the block, or 0 with the old one intact. */
    static long realloc(long address, long size) {
        try {
            return (long) REALLOC.invokeExact(address, size);
        } catch (Throwable t) {
            throw unexpected("tc_realloc", t);
        }
    }

    /** {@code tc_free}. */
    static void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("tc_free", t);
        }
    }

    /** {@code tc_malloc_size}. */
    static long usableSize(long address) {
        try {
            return (long) USABLE_SIZE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("tc_malloc_size", t);
        }
    }

    /** A {@code MallocExtension} numeric property ({@code generic.heap_size}), or -1 when tcmalloc has none. */
    static synchronized long property(String name) {
        try (Arena arena = Arena.ofConfined()) {
            int ok = (int) GET_PROPERTY.invokeExact(arena.allocateFrom(name), VALUE);
            return ok != 0 ? VALUE.get(ValueLayout.JAVA_LONG, 0) : -1;
        } catch (Throwable t) {
            throw unexpected("MallocExtension_GetNumericProperty", t);
        }
    }

    /** Gives the calling thread's cache back, then every free page of the page heap to the system. */
    static void releaseFreeMemory() {
        try {
            MARK_THREAD_IDLE.invokeExact();
            RELEASE_FREE_MEMORY.invokeExact();
        } catch (Throwable t) {
            throw unexpected("MallocExtension_ReleaseFreeMemory", t);
        }
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("tcmalloc: the downcall to " + call + " failed: " + t, t);
    }
}
