package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Microsoft's mimalloc as the system has it: Debian's {@code libmimalloc2.0} ({@code libmimalloc.so.2},
 * mimalloc 2.0.9 on Debian 12), called through its own entry points ({@code mi_malloc},
 * {@code mi_malloc_aligned}, {@code mi_realloc}, {@code mi_free}, {@code mi_usable_size}) by critical FFM
 * downcalls. It is opened {@code RTLD_LOCAL}, beside the C library's {@code malloc}, never in its place.
 *
 * <h2>Its memory, in address space alloclab reserved</h2>
 * Before the first allocation, {@link #REGION_BYTES} of address space are reserved here ({@code mmap},
 * {@code PROT_NONE}, nothing committed, starting on a {@link #ALIGNMENT} boundary) and handed to mimalloc with {@code mi_manage_os_memory} as an
 * arena. mimalloc takes its segments from an arena before it asks the system, committing what it needs
 * as it would on memory of its own ({@code mprotect}) and decommitting or resetting what it frees, so
 * every segment, with its metadata, lies in the region, and the region's resident pages
 * ({@code mincore}) are mimalloc's footprint as a C program's resident memory would show it. Only the
 * small per-thread records mimalloc allocates from the system directly (a few KiB per thread) lie
 * outside. Segments are claimed first-fit from the region's start, so the count runs over the region up to
 * the highest page ever seen resident or the end of the highest block handed out, whichever is further,
 * plus one segment. Should mimalloc outgrow the region, it asks the system, and
 * {@code mimalloc_outside_bytes} counts the blocks it put outside.
 *
 * <p>{@code mi_malloc} gives blocks of 16 bytes and more a 16-byte alignment, smaller ones 8;
 * {@code mi_malloc_aligned} serves larger alignments — except that mimalloc 2.0.9 returns a block that is
 * <em>not</em> aligned when the size is a multiple of an alignment of 256 bytes or more
 * ({@code mi_malloc_aligned(256, 256)} gives an address ending in {@code 0x180}; the contract suite found
 * it). Each aligned block is checked, and a misaligned one is freed and asked for again one byte larger,
 * which mimalloc aligns; {@code mimalloc_misaligned_retries} counts them. Every call is critical: none calls
 * back into Java.
 */
@SuppressWarnings("restricted")
final class Mimalloc {

    /** The library, as Debian names it. */
    static final String LIBRARY = "libmimalloc.so.2";
    /** What to install when it is missing. */
    static final String PACKAGE = "libmimalloc2.0";

    /** Address space reserved for mimalloc's arena: 64 GiB, committed only as mimalloc needs it. */
    static final long REGION_BYTES = 64L << 30;
    /** mimalloc's segment size and arena block (32 MiB in 2.x): the count looks one past the highest seen. */
    static final long SEGMENT = 32L << 20;
    /**
     * Where the arena starts: mimalloc finds a block's segment by masking its address down to the segment
     * size, so the arena must start on such a boundary, which {@code mi_manage_os_memory} does not check.
     */
    static final long ALIGNMENT = 64L << 20;

    static final long MALLOC_ALIGNMENT = 8;
    static final long LARGE_ALIGNMENT = 16;

    private static final int PROT_NONE = 0;
    private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;

    private static final String UNAVAILABLE;
    private static final MethodHandle MALLOC;
    private static final MethodHandle MALLOC_ALIGNED;
    private static final MethodHandle REALLOC;
    private static final MethodHandle FREE;
    private static final MethodHandle USABLE_SIZE;
    private static final MethodHandle COLLECT;
    private static final long REGION;
    private static final int VERSION;
    /** The end of the highest block handed out in the region. */
    private static final AtomicLong HIGHEST_END = new AtomicLong();
    /** Aligned allocations mimalloc misaligned and that were asked again one byte larger. */
    private static final AtomicLong MISALIGNED = new AtomicLong();
    /** Blocks handed out outside the region (it was full), bytes requested, live or not. */
    private static final AtomicLong OUTSIDE = new AtomicLong();
    /** The end of the highest page seen resident in the region; guarded by {@code Mimalloc.class}. */
    private static long residentFrontier;
    private static final Mincore MINCORE;

    static {
        String why = null;
        MethodHandle malloc = null;
        MethodHandle aligned = null;
        MethodHandle realloc = null;
        MethodHandle free = null;
        MethodHandle usable = null;
        MethodHandle collect = null;
        long region = 0;
        int version = 0;
        Mincore mincore = null;
        try {
            Libc.requireAvailable();
            SharedLibrary lib = SharedLibrary.open(LIBRARY, SharedLibrary.NOW);
            var j = ValueLayout.JAVA_LONG;
            var critical = Linker.Option.critical(false);
            version = (int) lib.downcall("mi_version", FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
            long reserved = Libc.map(REGION_BYTES + ALIGNMENT, PROT_NONE, MAP_PRIVATE_ANONYMOUS_NORESERVE);
            if (reserved == -1) {
                throw new IllegalStateException("could not reserve " + (REGION_BYTES >> 30) + " GiB of address space for its arena");
            }
            region = (reserved + ALIGNMENT - 1) & -ALIGNMENT;
            boolean managed = (boolean) lib.downcall("mi_manage_os_memory", FunctionDescriptor.of(ValueLayout.JAVA_BOOLEAN,
                            j, j, ValueLayout.JAVA_BOOLEAN, ValueLayout.JAVA_BOOLEAN, ValueLayout.JAVA_BOOLEAN, ValueLayout.JAVA_INT))
                    .invokeExact(region, REGION_BYTES, false, false, true, -1);
            if (!managed) {
                throw new IllegalStateException("mi_manage_os_memory refused the reserved region");
            }
            malloc = lib.downcall("mi_malloc", FunctionDescriptor.of(j, j), critical);
            aligned = lib.downcall("mi_malloc_aligned", FunctionDescriptor.of(j, j, j), critical);
            realloc = lib.downcall("mi_realloc", FunctionDescriptor.of(j, j, j), critical);
            free = lib.downcall("mi_free", FunctionDescriptor.ofVoid(j), critical);
            usable = lib.downcall("mi_usable_size", FunctionDescriptor.of(j, j), critical);
            collect = lib.downcall("mi_collect", FunctionDescriptor.ofVoid(ValueLayout.JAVA_BOOLEAN));
            mincore = new Mincore(Arena.global(), SEGMENT / Math.max(1, Libc.PAGE_SIZE));
        } catch (Throwable t) {
            why = "mimalloc: " + LIBRARY + " cannot be used (" + t.getMessage() + "); install Debian's " + PACKAGE
                    + " (apt-get install " + PACKAGE + ")";
        }
        UNAVAILABLE = why;
        MALLOC = malloc;
        MALLOC_ALIGNED = aligned;
        REALLOC = realloc;
        FREE = free;
        USABLE_SIZE = usable;
        COLLECT = collect;
        REGION = region;
        VERSION = version;
        MINCORE = mincore;
        residentFrontier = region;
    }

    private Mimalloc() {
    }

    /** @throws IllegalStateException saying why and what to install, when mimalloc cannot be used */
    static void requireAvailable() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
    }

    /** Why mimalloc cannot be used here, or null. */
    static String unavailable() {
        return UNAVAILABLE;
    }

    /** {@code mi_version()}: 209 for 2.0.9. */
    static int version() {
        return VERSION;
    }

    /** {@code mi_malloc}, or {@code mi_malloc_aligned} when the alignment is more than mi_malloc gives this size. */
    static long allocate(long size, long alignment) {
        try {
            long p;
            if (alignment <= MALLOC_ALIGNMENT || alignment <= LARGE_ALIGNMENT && size >= LARGE_ALIGNMENT) {
                p = (long) MALLOC.invokeExact(size);
            } else {
                p = (long) MALLOC_ALIGNED.invokeExact(size, alignment);
                if ((p & (alignment - 1)) != 0) {
                    // mimalloc 2.0.9 misaligns a size that is a multiple of an alignment of 256 and more
                    FREE.invokeExact(p);
                    MISALIGNED.incrementAndGet();
                    p = (long) MALLOC_ALIGNED.invokeExact(size + 1, alignment);
                    if ((p & (alignment - 1)) != 0) {
                        FREE.invokeExact(p);
                        throw new IllegalStateException("mimalloc: mi_malloc_aligned(" + size + ", " + alignment
                                + ") returned a misaligned block twice");
                    }
                }
            }
            placed(p, size);
            return p;
        } catch (Throwable t) {
            throw unexpected("mi_malloc", t);
        }
    }

    /** {@code mi_realloc}: the block, or 0 with the old one intact. */
    static long realloc(long address, long size) {
        try {
            long p = (long) REALLOC.invokeExact(address, size);
            placed(p, size);
            return p;
        } catch (Throwable t) {
            throw unexpected("mi_realloc", t);
        }
    }

    /** Keeps the highest block end in the region current, and counts what landed outside it. */
    private static void placed(long address, long size) {
        if (address == 0) {
            return;
        }
        long end = address + size;
        if (address < REGION || end > REGION + REGION_BYTES) {
            OUTSIDE.addAndGet(size);
            return;
        }
        for (long h = HIGHEST_END.get(); end > h; h = HIGHEST_END.get()) {
            if (HIGHEST_END.compareAndSet(h, end)) {
                return;
            }
        }
    }

    /** {@code mi_free}. */
    static void free(long address) {
        try {
            FREE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("mi_free", t);
        }
    }

    /** {@code mi_usable_size}. */
    static long usableSize(long address) {
        try {
            return (long) USABLE_SIZE.invokeExact(address);
        } catch (Throwable t) {
            throw unexpected("mi_usable_size", t);
        }
    }

    /** {@code mi_collect(true)}: gives the calling thread's free pages and segments back. */
    static void collect() {
        try {
            COLLECT.invokeExact(true);
        } catch (Throwable t) {
            throw unexpected("mi_collect", t);
        }
    }

    /** Aligned allocations asked again because mimalloc misaligned them, since the process started. */
    static long misaligned() {
        return MISALIGNED.get();
    }

    /** Bytes requested by blocks mimalloc put outside the region, since the process started. */
    static long outsideBytes() {
        return OUTSIDE.get();
    }

    /** Resident bytes of the region now (mincore), as far as mimalloc has used it (see the class comment). */
    static synchronized long resident() {
        long page = MINCORE.page();
        long end = Math.min(REGION + REGION_BYTES, (Math.max(HIGHEST_END.get(), residentFrontier) + SEGMENT + page - 1) & -page);
        long total = 0;
        for (long chunk = REGION; chunk < end; chunk += SEGMENT) {
            long length = Math.min(SEGMENT, end - chunk);
            long resident = MINCORE.resident(chunk, length);
            if (resident > 0) {
                total += resident;
                long last = lastResidentPage(length / page);
                residentFrontier = Math.max(residentFrontier, chunk + (last + 1) * page);
                if (chunk + SEGMENT >= end && end < REGION + REGION_BYTES) {
                    end = Math.min(REGION + REGION_BYTES, end + SEGMENT);   // used up to the edge: look further
                }
            }
        }
        return total;
    }

    /** The index of the last resident page in the vector the last mincore call filled. */
    private static long lastResidentPage(long pages) {
        MemorySegment v = MINCORE.vector();
        for (long i = pages - 1; i >= 0; i--) {
            if ((v.get(ValueLayout.JAVA_BYTE, i) & 1) != 0) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalStateException unexpected(String call, Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("mimalloc: the downcall to " + call + " failed: " + t, t);
    }
}
