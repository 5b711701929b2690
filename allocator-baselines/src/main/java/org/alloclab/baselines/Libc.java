package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * glibc's allocator, as FFM downcalls into the C library the JVM already runs on
 * ({@link Linker#defaultLookup()}).
 *
 * <h2>Calls</h2>
 * <pre>
 *   malloc(size)                       critical
 *   aligned_alloc(alignment, size)     critical   alignments above malloc's 16
 *   realloc(ptr, size)                 critical
 *   free(ptr)                          critical
 *   malloc_usable_size(ptr)            critical
 *   mallinfo2()                        struct mallinfo2 by value: ten size_t (glibc 2.33 or newer)
 *   malloc_trim(pad)                   give free memory at the heaps' tops and in free pages back
 *   gnu_get_libc_version()             "2.36": which layout of the heap's internals to expect
 *   getpagesize()                      the kernel's page size
 *   mincore(addr, len, vec)            which pages of a range are resident; -1 (ENOMEM) when unmapped
 *   process_vm_readv(self, …)          a read of this process's memory that fails (EFAULT) instead of
 *                                      crashing when the memory is gone: for heap headers glibc may unmap
 *   mmap(0, len, prot, flags, -1, 0)   address space for mimalloc's arena ({@link Mimalloc})
 *   sbrk(0)                            the program break, which tcmalloc moves while it loads ({@link Tcmalloc})
 * </pre>
 * The last four serve {@link ArenaFootprint}, which reads glibc's heap headers.
 * The allocation calls are <em>critical</em> ({@link Linker.Option#critical(boolean)}): they never call
 * back into Java and are short — a system call to grow a heap or map a large chunk, at worst a
 * {@code realloc} copying a heap chunk below the mmap threshold (32 MiB at most), during which a
 * safepoint waits — so the thread skips the state transition a normal downcall makes, as C code calling
 * {@code malloc} would. {@code mallinfo2} and {@code malloc_trim} lock and walk every arena, so they are
 * ordinary downcalls, as are the system calls, which only {@code stats()} makes. Pointers and
 * {@code size_t} pass as 64-bit integers ({@link ValueLayout#JAVA_LONG}): the same registers as pointers
 * in the SysV x86-64 and AAPCS64 conventions, and no {@link MemorySegment} is made per call.
 *
 * <h2>Platforms</h2>
 * 64-bit Linux with glibc 2.33 or newer. Elsewhere the class still loads and {@link #requireAvailable()}
 * says what is missing.
 */
@SuppressWarnings("restricted")
final class Libc {

    /** The alignment of every {@code malloc} block on 64-bit glibc: {@code 2 * sizeof(size_t)}. */
    static final long MALLOC_ALIGNMENT = 16;

    /** {@code SIZE_SZ}: the size word glibc keeps in front of every chunk. */
    static final long CHUNK_HEADER = 8;

    /** {@code struct mallinfo2}, in glibc's order; every field a {@code size_t}. */
    static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"),      // non-mmapped space obtained from the system
            ValueLayout.JAVA_LONG.withName("ordblks"),    // free chunks
            ValueLayout.JAVA_LONG.withName("smblks"),     // free fastbin blocks
            ValueLayout.JAVA_LONG.withName("hblks"),      // mmapped chunks
            ValueLayout.JAVA_LONG.withName("hblkhd"),     // bytes in mmapped chunks
            ValueLayout.JAVA_LONG.withName("usmblks"),    // always 0
            ValueLayout.JAVA_LONG.withName("fsmblks"),    // bytes in free fastbin blocks
            ValueLayout.JAVA_LONG.withName("uordblks"),   // bytes in chunks in use
            ValueLayout.JAVA_LONG.withName("fordblks"),   // bytes in free chunks
            ValueLayout.JAVA_LONG.withName("keepcost"));  // trimmable top

    /**
     * What {@code mallinfo2()} said.
     *
     * @param arena    bytes of heap (not mmapped) obtained from the system, over every arena
     * @param mmapped  bytes in chunks mmapped on their own ({@code hblkhd})
     * @param inUse    bytes in chunks in use ({@code uordblks}), headers included
     * @param free     bytes in free chunks ({@code fordblks})
     */
    record MallInfo(long arena, long mmapped, long inUse, long free) {
        /** What the C heap holds from the system: {@code arena + hblkhd}. */
        long footprint() {
            return arena + mmapped;
        }

        /** What is in use in chunks, headers and mmapped chunks included: {@code uordblks + hblkhd}. */
        long used() {
            return inUse + mmapped;
        }
    }

    private static final long ARENA = offset("arena");
    private static final long HBLKHD = offset("hblkhd");
    private static final long UORDBLKS = offset("uordblks");
    private static final long FORDBLKS = offset("fordblks");

    private static final String MISSING;
    private static final MethodHandle MALLOC;
    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle REALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle USABLE_SIZE;
    private static final MethodHandle MALLINFO2_CALL;
    private static final MethodHandle MALLOC_TRIM;
    private static final MethodHandle MALLOPT;
    private static final MethodHandle MINCORE;
    private static final MethodHandle PROCESS_VM_READV;
    private static final MethodHandle SBRK;
    private static final MethodHandle MMAP;
    /** {@code gnu_get_libc_version()}, e.g. "2.36", or null when this is not glibc. */
    private static final String VERSION;
    /** The page size, or 0 when this is not glibc. */
    static final long PAGE_SIZE;
    private static final VarHandle ERRNO =
            Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int SELF = (int) ProcessHandle.current().pid();
    /** Where {@code mallinfo2}'s struct is returned; one for the process, guarded by {@code Libc.class}. */
    private static final SegmentAllocator MALLINFO2_RESULT;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        var missing = new ArrayList<String>();
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
                || ValueLayout.ADDRESS.byteSize() != 8) {
            missing.add("64-bit Linux (this is " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
        }
        for (String name : List.of("gnu_get_libc_version", "malloc", "aligned_alloc", "realloc", "free",
                "malloc_usable_size", "mallinfo2", "malloc_trim", "mallopt", "getpagesize", "mincore", "process_vm_readv", "sbrk", "mmap")) {
            if (libc.find(name).isEmpty()) {
                missing.add(name);
            }
        }
        MISSING = missing.isEmpty() ? null : "glibc: this C library lacks " + String.join(", ", missing)
                + " (the glibc baseline needs glibc 2.33 or newer on 64-bit Linux)";
        if (MISSING == null) {
            var critical = Linker.Option.critical(false);
            var size = ValueLayout.JAVA_LONG;
            MALLOC = downcall(linker, libc, "malloc", FunctionDescriptor.of(size, size), critical);
            ALIGNED_ALLOC = downcall(linker, libc, "aligned_alloc", FunctionDescriptor.of(size, size, size), critical);
            REALLOC = downcall(linker, libc, "realloc", FunctionDescriptor.of(size, size, size), critical);
            FREE = downcall(linker, libc, "free", FunctionDescriptor.ofVoid(size), critical);
            USABLE_SIZE = downcall(linker, libc, "malloc_usable_size", FunctionDescriptor.of(size, size), critical);
            MALLINFO2_CALL = downcall(linker, libc, "mallinfo2", FunctionDescriptor.of(MALLINFO2));
            MALLOC_TRIM = downcall(linker, libc, "malloc_trim", FunctionDescriptor.of(ValueLayout.JAVA_INT, size));
            MALLOPT = downcall(linker, libc, "mallopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
            MALLINFO2_RESULT = SegmentAllocator.prefixAllocator(Arena.global().allocate(MALLINFO2));
            MINCORE = downcall(linker, libc, "mincore", FunctionDescriptor.of(ValueLayout.JAVA_INT, size, size, size));
            PROCESS_VM_READV = downcall(linker, libc, "process_vm_readv",
                    FunctionDescriptor.of(size, ValueLayout.JAVA_INT, size, size, size, size, size),
                    Linker.Option.captureCallState("errno"));
            SBRK = downcall(linker, libc, "sbrk", FunctionDescriptor.of(size, size));
            MMAP = downcall(linker, libc, "mmap", FunctionDescriptor.of(size, size, size, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, size));
            VERSION = callVersion(linker, libc);
            PAGE_SIZE = callPageSize(linker, libc);
        } else {
            MALLOC = ALIGNED_ALLOC = REALLOC = FREE = USABLE_SIZE = MALLINFO2_CALL = MALLOC_TRIM = MALLOPT = null;
            MINCORE = PROCESS_VM_READV = SBRK = MMAP = null;
            MALLINFO2_RESULT = null;
            VERSION = null;
            PAGE_SIZE = 0;
        }
    }

    private Libc() {
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd,
                                         Linker.Option... options) {
        return linker.downcallHandle(lookup.find(name).orElseThrow(), fd, options);
    }

    /** @throws IllegalStateException saying what this system lacks, when it is not 64-bit glibc 2.33+ */
    static void requireAvailable() {
        if (MISSING != null) {
            throw new IllegalStateException(MISSING);
        }
    }

    /** {@code malloc(size)}, or {@code aligned_alloc} when {@code alignment} is above malloc's: the block or 0. */
    static long allocate(long size, long alignment) {
        try {
            return alignment <= MALLOC_ALIGNMENT ? (long) MALLOC.invokeExact(size)
                    : (long) ALIGNED_ALLOC.invokeExact(alignment, size);
        } catch (Throwable t) {
            throw unexpected("malloc", t);
        }
    }

    /** {@code realloc(address, size)}: the block, or 0 with the old one intact. */
    static long realloc(long address, long size) {
        try {
            return (long) REALLOC.invokeExact(address, size);
        } catch (Throwable t) {
            throw unexpected("realloc", t);
        }
    }

    /** {@code free(address)}. */
    static void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("free", t);
        }
    }

    /** {@code malloc_usable_size(address)}. */
    static long usableSize(long address) {
        try {
            return (long) USABLE_SIZE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("malloc_usable_size", t);
        }
    }

    /** {@code mallinfo2()}: the whole process's C heap, the JVM's own use included. */
    static synchronized MallInfo mallinfo() {
        try {
            MemorySegment m = (MemorySegment) MALLINFO2_CALL.invokeExact(MALLINFO2_RESULT);
            return new MallInfo(m.get(ValueLayout.JAVA_LONG, ARENA), m.get(ValueLayout.JAVA_LONG, HBLKHD),
                    m.get(ValueLayout.JAVA_LONG, UORDBLKS), m.get(ValueLayout.JAVA_LONG, FORDBLKS));
        } catch (Throwable t) {
            throw unexpected("mallinfo2", t);
        }
    }

    /** {@code mallopt}'s parameter numbers (malloc.h). */
    static final int M_TRIM_THRESHOLD = -1;
    static final int M_MMAP_THRESHOLD = -3;

    /** {@code mallopt(param, value)}: whether glibc took the setting. */
    static boolean mallopt(int param, int value) {
        try {
            return (int) MALLOPT.invokeExact(param, value) == 1;
        } catch (Throwable t) {
            throw unexpected("mallopt", t);
        }
    }

    /** {@code malloc_trim(0)}: gives free memory back to the system, from every arena. */
    static void trim() {
        try {
            int released = (int) MALLOC_TRIM.invokeExact(0L);   // 1 when memory went back; either is fine
        } catch (Throwable t) {
            throw unexpected("malloc_trim", t);
        }
    }

    /** {@code gnu_get_libc_version()}: "2.36". */
    static String version() {
        return VERSION;
    }

    /**
     * {@code mincore(address, length, vector)}: one byte per page of the range into {@code vector} (bit 0
     * set when resident); false when part of the range is not mapped (ENOMEM). {@code address} is
     * page-aligned.
     */
    static boolean mincore(long address, long length, long vector) {
        try {
            return (int) MINCORE.invokeExact(address, length, vector) == 0;
        } catch (Throwable t) {
            throw unexpected("mincore", t);
        }
    }

    /** {@code mmap(NULL, length, protection, flags, -1, 0)}: the mapping's address, or -1. */
    static long map(long length, int protection, int flags) {
        try {
            return (long) MMAP.invokeExact(0L, length, protection, flags, -1, 0L);
        } catch (Throwable t) {
            throw unexpected("mmap", t);
        }
    }

    /** {@code sbrk(0)}: the program break now. */
    static long currentBreak() {
        try {
            return (long) SBRK.invokeExact(0L);
        } catch (Throwable t) {
            throw unexpected("sbrk", t);
        }
    }

    /** The layout of the call state {@link #readSelf} fills: {@code errno}. */
    static StructLayout callState() {
        return Linker.Option.captureStateLayout();
    }

    /** {@code errno} as {@link #readSelf} left it in {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * {@code process_vm_readv} of this process: copies {@code iovecs}' remote range into its local one
     * (two {@code struct iovec} in a row, local first) without faulting when the range is not mapped.
     * Returns the bytes read, or -1 with {@code errno} in {@code state} (EFAULT when the range is gone).
     */
    static long readSelf(MemorySegment state, long iovecs) {
        try {
            return (long) PROCESS_VM_READV.invokeExact(state, SELF, iovecs, 1L, iovecs + 16, 1L, 0L);
        } catch (Throwable t) {
            throw unexpected("process_vm_readv", t);
        }
    }

    private static String callVersion(Linker linker, SymbolLookup libc) {
        try {
            MemorySegment s = (MemorySegment) downcall(linker, libc, "gnu_get_libc_version",
                    FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
            return s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw unexpected("gnu_get_libc_version", t);
        }
    }

    private static long callPageSize(Linker linker, SymbolLookup libc) {
        try {
            return (int) downcall(linker, libc, "getpagesize", FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
        } catch (Throwable t) {
            throw unexpected("getpagesize", t);
        }
    }

    private static long offset(String field) {
        return MALLINFO2.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("glibc: the downcall to " + call + " failed: " + t, t);
    }
}
