package org.alloclab.vmem;

import java.lang.foreign.MemorySegment;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;

/**
 * The kernel's virtual memory, reached through FFM downcalls (Linux, x86-64 and aarch64).
 *
 * <h2>Calls</h2>
 * <pre>
 *   reserve(n)        mmap(NULL, n', PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)
 *   commit(a, n)      mprotect(a, n, PROT_READ|PROT_WRITE)
 *   decommit(a, n)    madvise(a, n, MADV_DONTNEED); mprotect(a, n, PROT_NONE)
 *   release(r)        munmap(r.address, r.bytes)
 *   residentBytes     mincore: resident OS pages x OS page size
 * </pre>
 * A reserved page costs address space only ({@code MAP_NORESERVE}, no access): the kernel neither
 * counts it against the commit limit nor backs it. Committing opens the pages for reading and writing;
 * the kernel still backs each one only on its first touch, which is why {@link #residentBytes} asks
 * {@code mincore} rather than trusting the bookkeeping. Decommitting drops the pages
 * ({@code MADV_DONTNEED}: the next touch reads zeroes) and closes them again.
 *
 * <h2>Commit granularity</h2>
 * The {@linkplain #pageSize() page} of this virtual memory is the OS page or a power-of-two multiple of
 * it (64 KiB, 1 MiB …), chosen at construction: commits and decommits come in whole pages, and regions
 * start on one. The kernel aligns {@code mmap} to the OS page only, so a coarser granularity is got by
 * over-reserving and trimming:
 * <pre>
 *   mmap:    |..head..|=========== region (n bytes, aligned) ===========|..tail..|
 *            raw      alignUp(raw, g)                                              raw + n + g - osPage
 *   munmap:  head and tail
 * </pre>
 *
 * <h2>Failures</h2>
 * A kernel refusal of {@code mmap} or {@code mprotect} is a normal outcome: {@link #reserve} returns
 * {@code null}, {@link #commit} returns {@code false}, the state is unchanged, and {@link #lastError()}
 * tells why ({@code mmap of 1.0 PiB failed: ENOMEM (Cannot allocate memory)}). Misuse (a range not
 * page-aligned or not inside one region, an unknown region) throws {@link IllegalArgumentException},
 * also leaving everything unchanged. The bookkeeping — regions by address, a bit per page — lives in
 * Java ({@link Reservations}), so no question about state needs a system call. The operations
 * themselves — checks, skipping a commit or decommit with nothing to do, bookkeeping, {@code lastError}
 * — are the templates of {@link PagedVirtualMemory}, shared with the simulation; this class supplies
 * the calls of the table above as its hooks, a kernel refusal as a {@link PagedVirtualMemory.Refusal}
 * carrying the {@code errno}.
 *
 * <h2>Checks</h2>
 * {@link #memory()} reaches raw process memory. Unchecked, touching an uncommitted page faults the JVM
 * like any native program. Checked — when the constructor asks for it, or when the system property
 * {@value #CHECKS_PROPERTY} is {@code true} (read once, into {@link #CHECKS}) — every access is first
 * compared with the committed pages and an {@link UncommittedAccessException} is thrown instead.
 *
 * <p>Thread-safe: every operation holds one monitor, the bookkeeping's; so does each checked access.
 */
public final class OsVirtualMemory extends PagedVirtualMemory {

    /** Every address of the process, for the checked view; its accesses are checked before they touch. */
    @SuppressWarnings("restricted")
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** The system property that turns checks on for every OS virtual memory: {@code alloclab.checks}. */
    public static final String CHECKS_PROPERTY = "alloclab.checks";

    /**
     * Whether {@value #CHECKS_PROPERTY} was {@code true} when this class was loaded. A
     * {@code static final} flag, as in Agrona: code guarded by it costs nothing when it is off.
     */
    public static final boolean CHECKS = Boolean.getBoolean(CHECKS_PROPERTY);

    private final boolean checked;
    private final boolean hugePages;
    private final java.util.concurrent.atomic.LongAdder hugeAdviceRefused = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder hugeAdvised = new java.util.concurrent.atomic.LongAdder();

    /** The huge page of x86-64 and of aarch64 with 4 KiB pages: what transparent huge pages are made of. */
    public static final long HUGE_PAGE = 2L << 20;

    /** {@code madvise} advice asking for transparent huge pages. */
    static final int MADV_HUGEPAGE = 14;

    /** OS virtual memory with the OS page as granularity, checked when {@link #CHECKS} is on. */
    public OsVirtualMemory() {
        this(0, false);
    }

    /**
     * OS virtual memory with the given commit granularity, checked when {@link #CHECKS} is on.
     *
     * @param granularity the page of this virtual memory: 0 for the OS page, else a power-of-two
     *                    multiple of it
     * @throws IllegalArgumentException when {@code granularity} is neither
     */
    public OsVirtualMemory(long granularity) {
        this(granularity, false);
    }

    /**
     * OS virtual memory with the given commit granularity.
     *
     * @param granularity the page of this virtual memory: 0 for the OS page, else a power-of-two
     *                    multiple of it
     * @param checked     whether {@link #memory()} checks every access (it also does when {@link #CHECKS}
     *                    is on)
     * @throws IllegalArgumentException      when {@code granularity} is not 0 nor a power-of-two multiple
     *                                       of the OS page
     * @throws UnsupportedOperationException when this is not Linux on x86-64 or aarch64
     */
    public OsVirtualMemory(long granularity, boolean checked) {
        this(granularity, checked, false);
    }

    /**
     * OS virtual memory with the given commit granularity that, with {@code hugePages}, asks the kernel for
     * transparent huge pages: every region of at least {@link #HUGE_PAGE} is aligned to it and advised
     * {@code MADV_HUGEPAGE}, so that the kernel may back it with 2 MiB pages when it is touched (a TLB entry
     * then covers 512 times as much). It is advice: where the kernel has transparent huge pages off, the
     * regions are ordinary ({@code huge_page_advice_refused} in {@link #counters()} counts the refusals).
     */
    public OsVirtualMemory(long granularity, boolean checked, boolean hugePages) {
        Native.requireSupported();
        String problem = granularityProblem(granularity);
        if (problem != null) {
            throw new IllegalArgumentException("commit granularity " + granularity + ": " + problem);
        }
        boolean check = checked || CHECKS;
        var book = new Reservations(granularity == 0 ? Native.osPageSize() : granularity);
        Memory memory = check ? new CheckedMemory(EVERYTHING, 0, book) : SegmentMemory.everything();
        super(book, memory);
        this.checked = check;
        this.hugePages = hugePages;
    }

    /**
     * The OS page size, from {@code sysconf(_SC_PAGESIZE)}.
     *
     * @throws UnsupportedOperationException when this is not Linux on x86-64 or aarch64
     */
    public static long osPageSize() {
        return Native.osPageSize();
    }

    /** Why {@code granularity} cannot be a commit granularity, or {@code null} when it can. */
    static String granularityProblem(long granularity) {
        long os = Native.osPageSize();
        if (granularity == 0) {
            return null;
        }
        if (!Sizes.isPowerOfTwo(granularity) || granularity < os) {
            return "must be 0 (the OS page) or a power of two of at least the OS page (" + Sizes.format(os) + ")";
        }
        return null;
    }

    /** {@code "os"}. */
    @Override
    public String kind() {
        return "os";
    }

    /** Whether {@link #memory()} checks every access against the committed pages. */
    public boolean checked() {
        return checked;
    }

    /** {@code mmap(PROT_NONE, MAP_NORESERVE)} with slack for the alignment, then the slack trimmed. */
    @Override
    Region obtain(long size) throws Refusal {
        boolean huge = hugePages && size >= HUGE_PAGE;
        long granularity = huge ? Math.max(pageSize(), HUGE_PAGE) : pageSize();
        long osPage = Native.osPageSize();
        long mapped = size + (granularity - osPage);
        long raw = Native.mmap(mapped, Native.PROT_NONE,
                Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE);
        if (raw == Native.MAP_FAILED) {
            throw kernelRefused("mmap of " + Sizes.format(mapped));
        }
        long start = Sizes.alignUp(raw, granularity);
        // Trimming only gives back address space; should the kernel refuse, the slack just stays mapped.
        if (start > raw) {
            Native.munmap(raw, start - raw);
        }
        long tail = raw + mapped - (start + size);
        if (tail > 0) {
            Native.munmap(start + size, tail);
        }
        if (huge) {
            if (Native.madvise(start, size, MADV_HUGEPAGE) == 0) {
                hugeAdvised.increment();
            } else {
                hugeAdviceRefused.increment();                  // advice only: the region stays usable
            }
        }
        return new Region(start, size);
    }

    /** Whether regions ask for transparent huge pages. */
    public boolean hugePages() {
        return hugePages;
    }

    /** With huge pages asked for: regions advised and advice the kernel refused. */
    @Override
    public java.util.Map<String, Long> counters() {
        if (!hugePages) {
            return java.util.Map.of();
        }
        return java.util.Map.of("huge_page_regions_advised", hugeAdvised.sum(),
                "huge_page_advice_refused", hugeAdviceRefused.sum());
    }

    /**
     * Bytes of {@code region} the kernel backs with transparent huge pages now ({@code AnonHugePages} of its
     * mapping in {@code /proc/self/smaps}), or -1 when that cannot be read.
     */
    public static long hugePageBytes(Region region) {
        try {
            String start = Long.toHexString(region.address());
            boolean inside = false;
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
                if (!line.isEmpty() && Character.digit(line.charAt(0), 16) >= 0 && line.indexOf('-') > 0
                        && line.indexOf(' ') > line.indexOf('-')) {
                    inside = line.substring(0, line.indexOf('-')).equals(start);
                } else if (inside && line.startsWith("AnonHugePages:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return 0;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {@code munmap}; the committed pages go with the mapping. */
    @Override
    void giveBack(Reservations.Reserved r) throws Refusal {
        unmap(r.region);
    }

    /** {@code munmap}, as for a release. */
    @Override
    void abandon(Region region) throws Refusal {
        unmap(region);
    }

    private static void unmap(Region region) throws Refusal {
        if (Native.munmap(region.address(), region.bytes()) != 0) {
            throw kernelRefused("munmap of " + region);
        }
    }

    /** {@code mprotect(PROT_READ|PROT_WRITE)}; the kernel backs each page, with zeroes, on its first touch. */
    @Override
    void makeAccessible(Reservations.Reserved r, long address, long bytes, long fresh) throws Refusal {
        if (Native.mprotect(address, bytes, Native.PROT_READ | Native.PROT_WRITE) != 0) {
            throw kernelRefused("mprotect(PROT_READ|PROT_WRITE) of " + range(address, bytes));
        }
    }

    /** {@code madvise(MADV_DONTNEED)}, then {@code mprotect(PROT_NONE)}. */
    @Override
    void makeInaccessible(Reservations.Reserved r, long address, long bytes) throws Refusal {
        if (Native.madvise(address, bytes, Native.MADV_DONTNEED) != 0) {
            throw kernelRefused("madvise(MADV_DONTNEED) of " + range(address, bytes));
        }
        if (Native.mprotect(address, bytes, Native.PROT_NONE) != 0) {
            throw kernelRefused("mprotect(PROT_NONE) of " + range(address, bytes));
        }
    }

    /**
     * {@code mincore}'s resident OS pages times the OS page size: a committed page that was never
     * touched is not resident.
     */
    @Override
    long resident(Reservations.Reserved r, long address, long bytes) throws Refusal {
        long pages = Native.residentPages(address, bytes);
        if (pages < 0) {
            throw kernelRefused("mincore of " + range(address, bytes));
        }
        return pages * Native.osPageSize();
    }

    /**
     * {@code mincore} of a range outside every region, e.g. one just released: a range that is not
     * mapped at all has no resident page ({@code ENOMEM}), and a mapped one counts as the kernel says.
     */
    @Override
    long residentUnreserved(long address, long bytes) throws Refusal {
        long pages = Native.residentPages(address, bytes);
        if (pages < 0) {
            if (Native.errno() == Native.ENOMEM) {
                return 0;
            }
            throw kernelRefused("mincore of " + range(address, bytes));
        }
        return pages * Native.osPageSize();
    }

    /** A summary for logs: kind, page, checks and counters. */
    @Override
    public String toString() {
        return "OsVirtualMemory[page " + Sizes.format(pageSize()) + (checked ? ", checked" : "") + ", " + stats() + "]";
    }

    /** The refusal of {@code call} by the kernel, with this thread's {@code errno} in words. */
    private static Refusal kernelRefused(String call) {
        return new Refusal(call + " failed: " + Native.describe(Native.errno()));
    }

    private static String range(long address, long bytes) {
        return "[" + Sizes.hex(address) + ", " + Sizes.hex(address + bytes) + ")";
    }
}
