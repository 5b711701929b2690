package org.alloclab.vmem;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * The kernel calls of the virtual-memory layer, as FFM downcalls ({@code java.lang.foreign}): no JNI,
 * no {@code Unsafe}.
 *
 * <h2>Calls</h2>
 * <pre>
 *   mmap(NULL, len, prot, flags, -1, 0)   reserve (PROT_NONE) or back a simulation (PROT_READ|PROT_WRITE)
 *   mprotect(addr, len, prot)             commit (read/write) and the second half of decommit (none)
 *   madvise(addr, len, MADV_DONTNEED)     drop the pages: the next touch reads zeroes
 *   munmap(addr, len)                     release
 *   mincore(addr, len, vec)               which pages are resident: the ground truth for footprint
 *   sysconf(_SC_PAGESIZE)                 the OS page
 *   strerror(errno)                       the words for a failure
 * </pre>
 *
 * <h2>Failures</h2>
 * A call that fails returns what the C function returns ({@code -1}, or {@link #MAP_FAILED} for
 * {@code mmap}); its {@code errno} is captured by the linker ({@code Linker.Option.captureCallState})
 * into a per-thread buffer, read back with {@link #errno()} and put into words with
 * {@link #describe(int)}. Nothing here throws on a kernel refusal: whether a refusal is a normal
 * outcome (a reserve that runs out of address space) or a bug is the caller's decision.
 *
 * <h2>Platforms</h2>
 * The constants are Linux's, the same on x86-64 and aarch64 (the generic {@code asm} headers).
 * On any other system the class still loads, and {@link #requireSupported()} fails with a message
 * naming the system.
 */
@SuppressWarnings("restricted")
final class Native {

    static final int PROT_NONE = 0x0;
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4;
    static final int SC_PAGESIZE = 30;

    /** {@code errno} of {@code mincore} for a range that is not wholly mapped. */
    static final int ENOMEM = 12;

    /** What {@code mmap} returns on failure: {@code (void *) -1}. */
    static final long MAP_FAILED = -1L;

    /** Pages asked of {@code mincore} at once, so that a huge range needs no huge vector. */
    private static final long MINCORE_CHUNK_PAGES = 1L << 16;

    /** Why this system is not supported, or {@code null} when it is. */
    private static final String UNSUPPORTED = unsupportedReason();

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MPROTECT;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MINCORE;
    private static final MethodHandle STRERROR;
    private static final StructLayout CALL_STATE_LAYOUT;
    private static final VarHandle ERRNO;
    private static final long OS_PAGE_SIZE;

    /** Where the linker leaves {@code errno}: one small buffer per thread, freed with the thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE;

    static {
        if (UNSUPPORTED == null) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            MMAP = downcall(linker, libc, "mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG), errno);
            MUNMAP = downcall(linker, libc, "munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), errno);
            MPROTECT = downcall(linker, libc, "mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), errno);
            MADVISE = downcall(linker, libc, "madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), errno);
            MINCORE = downcall(linker, libc, "mincore", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), errno);
            STRERROR = downcall(linker, libc, "strerror", FunctionDescriptor.of(ValueLayout.ADDRESS,
                    ValueLayout.JAVA_INT));
            MethodHandle sysconf = downcall(linker, libc, "sysconf", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
            CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
            ERRNO = CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            CALL_STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));
            try {
                OS_PAGE_SIZE = (long) sysconf.invokeExact(SC_PAGESIZE);
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        } else {
            MMAP = MUNMAP = MPROTECT = MADVISE = MINCORE = STRERROR = null;
            CALL_STATE_LAYOUT = null;
            ERRNO = null;
            CALL_STATE = null;
            OS_PAGE_SIZE = 0;
        }
    }

    private Native() {
    }

    /**
     * Fails unless this is Linux on x86-64 or aarch64.
     *
     * @throws UnsupportedOperationException naming the system
     */
    static void requireSupported() {
        if (UNSUPPORTED != null) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
    }

    /** {@code sysconf(_SC_PAGESIZE)}. */
    static long osPageSize() {
        requireSupported();
        return OS_PAGE_SIZE;
    }

    /** {@code mmap(NULL, bytes, prot, flags, -1, 0)}: the address, or {@link #MAP_FAILED}. */
    static long mmap(long bytes, int prot, int flags) {
        try {
            var result = (MemorySegment) MMAP.invokeExact(callState(), MemorySegment.NULL, bytes, prot, flags, -1, 0L);
            return result.address();
        } catch (Throwable t) {
            throw unexpected("mmap", t);
        }
    }

    /** {@code munmap(address, bytes)}: 0, or -1. */
    static int munmap(long address, long bytes) {
        try {
            return (int) MUNMAP.invokeExact(callState(), MemorySegment.ofAddress(address), bytes);
        } catch (Throwable t) {
            throw unexpected("munmap", t);
        }
    }

    /** {@code mprotect(address, bytes, prot)}: 0, or -1. */
    static int mprotect(long address, long bytes, int prot) {
        try {
            return (int) MPROTECT.invokeExact(callState(), MemorySegment.ofAddress(address), bytes, prot);
        } catch (Throwable t) {
            throw unexpected("mprotect", t);
        }
    }

    /** {@code madvise(address, bytes, advice)}: 0, or -1. */
    static int madvise(long address, long bytes, int advice) {
        try {
            return (int) MADVISE.invokeExact(callState(), MemorySegment.ofAddress(address), bytes, advice);
        } catch (Throwable t) {
            throw unexpected("madvise", t);
        }
    }

    /**
     * The number of resident OS pages of {@code [address, address + bytes)}, from {@code mincore}; the
     * range starts on an OS page. {@code -1} when the kernel refused (see {@link #errno()}).
     */
    static long residentPages(long address, long bytes) {
        long pages = (bytes + OS_PAGE_SIZE - 1) / OS_PAGE_SIZE;
        long resident = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vector = arena.allocate(Math.min(pages, MINCORE_CHUNK_PAGES));
            for (long done = 0; done < pages; ) {
                long chunk = Math.min(pages - done, MINCORE_CHUNK_PAGES);
                int rc;
                try {
                    rc = (int) MINCORE.invokeExact(callState(), MemorySegment.ofAddress(address + done * OS_PAGE_SIZE),
                            chunk * OS_PAGE_SIZE, vector);
                } catch (Throwable t) {
                    throw unexpected("mincore", t);
                }
                if (rc != 0) {
                    return -1;
                }
                // Only the lowest bit of each byte is defined: the page is resident. Eight pages a read.
                long i = 0;
                for (; i + Long.BYTES <= chunk; i += Long.BYTES) {
                    resident += Long.bitCount(vector.get(ValueLayout.JAVA_LONG_UNALIGNED, i) & 0x0101010101010101L);
                }
                for (; i < chunk; i++) {
                    resident += vector.get(ValueLayout.JAVA_BYTE, i) & 1;
                }
                done += chunk;
            }
        }
        return resident;
    }

    /** The {@code errno} left by this thread's last failed call here. */
    static int errno() {
        return (int) ERRNO.get(callState(), 0L);
    }

    /** {@code errno} in words: {@code ENOMEM (Cannot allocate memory)}. */
    static String describe(int errno) {
        String text;
        synchronized (Native.class) { // strerror may share one buffer between threads
            try {
                var message = (MemorySegment) STRERROR.invokeExact(errno);
                text = message.equals(MemorySegment.NULL) ? "unknown error"
                        : message.reinterpret(Integer.MAX_VALUE).getString(0);
            } catch (Throwable t) {
                throw unexpected("strerror", t);
            }
        }
        return errnoName(errno) + " (" + text + ")";
    }

    /** The symbolic name of the errno values these calls can give, else {@code errno N}. */
    private static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 4 -> "EINTR";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 19 -> "ENODEV";
            case 22 -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 38 -> "ENOSYS";
            case 75 -> "EOVERFLOW";
            default -> "errno " + errno;
        };
    }

    private static MemorySegment callState() {
        return CALL_STATE.get();
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup libc, String name, FunctionDescriptor descriptor,
                                         Linker.Option... options) {
        MemorySegment symbol = libc.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no '" + name + "'"));
        return linker.downcallHandle(symbol, descriptor, options);
    }

    /** A downcall that threw: not a kernel refusal but a broken binding, so not a normal outcome. */
    private static IllegalStateException unexpected(String call, Throwable t) {
        if (t instanceof RuntimeException e) {
            return new IllegalStateException(call + " could not be called: " + e.getMessage(), e);
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(call + " could not be called", t);
    }

    private static String unsupportedReason() {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        boolean linux = os.toLowerCase(Locale.ROOT).startsWith("linux");
        boolean knownArch = switch (arch) {
            case "amd64", "x86_64", "aarch64" -> true;
            default -> false;
        };
        return linux && knownArch ? null
                : "alloclab's OS virtual memory knows Linux on x86-64 and aarch64 only; this is " + os + " on " + arch;
    }
}
