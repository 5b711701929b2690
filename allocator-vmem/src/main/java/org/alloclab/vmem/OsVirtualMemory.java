package org.alloclab.vmem;

import java.lang.foreign.MemorySegment;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

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
 * Java ({@link Reservations}), so no question about state needs a system call.
 *
 * <h2>Checks</h2>
 * {@link #memory()} reaches raw process memory. Unchecked, touching an uncommitted page faults the JVM
 * like any native program. Checked — when the constructor asks for it, or when the system property
 * {@value #CHECKS_PROPERTY} is {@code true} (read once, into {@link #CHECKS}) — every access is first
 * compared with the committed pages and an {@link UncommittedAccessException} is thrown instead.
 *
 * <p>Thread-safe: every operation holds one monitor, the bookkeeping's; so does each checked access.
 */
public final class OsVirtualMemory implements VirtualMemory {

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

    private final long granularity;
    private final boolean checked;
    private final Reservations book;
    private final Memory memory;
    private volatile String lastError;

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
        Native.requireSupported();
        String problem = granularityProblem(granularity);
        if (problem != null) {
            throw new IllegalArgumentException("commit granularity " + granularity + ": " + problem);
        }
        this.granularity = granularity == 0 ? Native.osPageSize() : granularity;
        this.checked = checked || CHECKS;
        this.book = new Reservations(this.granularity);
        this.memory = this.checked ? new CheckedMemory(EVERYTHING, 0, book) : SegmentMemory.everything();
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

    /** The commit granularity: the OS page or the power-of-two multiple of it given at construction. */
    @Override
    public long pageSize() {
        return granularity;
    }

    /** Whether {@link #memory()} checks every access against the committed pages. */
    public boolean checked() {
        return checked;
    }

    /**
     * Why the last reserve, commit, decommit, release or residency query refused by the kernel failed,
     * e.g. {@code "mmap of 1.0 PiB failed: ENOMEM (Cannot allocate memory)"}; {@code null} when none has.
     */
    public String lastError() {
        return lastError;
    }

    /**
     * Reserves address space with {@code mmap(PROT_NONE, MAP_NORESERVE)}, aligned to {@link #pageSize()}.
     *
     * @return the region, or {@code null} when the kernel refused (see {@link #lastError()})
     * @throws IllegalArgumentException when {@code bytes} is not positive, or so large that the region
     *                                  would have more than {@link Integer#MAX_VALUE} pages
     * @throws IllegalStateException    when this virtual memory is closed
     */
    @Override
    public Region reserve(long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            long size = book.roundReservation(bytes);
            long osPage = Native.osPageSize();
            long mapped = size + (granularity - osPage);
            long raw = Native.mmap(mapped, Native.PROT_NONE,
                    Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE);
            if (raw == Native.MAP_FAILED) {
                lastError = "mmap of " + Sizes.format(mapped) + " failed: " + Native.describe(Native.errno());
                book.reserveFailed();
                return null;
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
            Region region = new Region(start, size);
            book.reserved(region);
            return region;
        }
    }

    /**
     * Releases {@code region} with {@code munmap}; its committed pages go with it.
     *
     * @throws IllegalArgumentException when {@code region} is not reserved here
     * @throws IllegalStateException    when the kernel refuses, which means the process is broken
     */
    @Override
    public void release(Region region) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRegion(region);
            if (Native.munmap(region.address(), region.bytes()) != 0) {
                throw refused("munmap of " + region);
            }
            book.released(r);
        }
    }

    /**
     * Commits the pages of the range with {@code mprotect(PROT_READ|PROT_WRITE)}. A range already wholly
     * committed makes no call and counts nothing.
     *
     * @return whether the range is committed; {@code false} when the kernel refused (see
     *         {@link #lastError()}), and then nothing changed
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when this virtual memory is closed
     */
    @Override
    public boolean commit(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRange("commit", address, bytes);
            if (book.uncommittedBytes(r, address, bytes) == 0) {
                return true;
            }
            if (Native.mprotect(address, bytes, Native.PROT_READ | Native.PROT_WRITE) != 0) {
                lastError = "mprotect(PROT_READ|PROT_WRITE) of [" + Sizes.hex(address) + ", "
                        + Sizes.hex(address + bytes) + ") failed: " + Native.describe(Native.errno());
                book.commitFailed();
                return false;
            }
            book.committed(r, address, bytes);
            return true;
        }
    }

    /**
     * Decommits the pages of the range: {@code madvise(MADV_DONTNEED)}, then {@code mprotect(PROT_NONE)}.
     * A range with no committed page makes no call and counts nothing.
     *
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when this virtual memory is closed, or the kernel refuses
     */
    @Override
    public void decommit(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRange("decommit", address, bytes);
            if (book.committedBytes(r, address, bytes) == 0) {
                return;
            }
            String range = "[" + Sizes.hex(address) + ", " + Sizes.hex(address + bytes) + ")";
            if (Native.madvise(address, bytes, Native.MADV_DONTNEED) != 0) {
                throw refused("madvise(MADV_DONTNEED) of " + range);
            }
            if (Native.mprotect(address, bytes, Native.PROT_NONE) != 0) {
                throw refused("mprotect(PROT_NONE) of " + range);
            }
            book.decommitted(r, address, bytes);
        }
    }

    /** Whether every byte of the range is committed, by the bookkeeping. Any range may be asked. */
    @Override
    public boolean isCommitted(long address, long bytes) {
        CheckedMemory.requireLength(bytes);
        return book.committedPrefix(address, bytes) == bytes;
    }

    /**
     * The resident bytes of the range by the kernel: {@code mincore}'s resident OS pages times the OS
     * page size. A committed page that was never touched is not resident.
     *
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when the kernel refuses
     */
    @Override
    public long residentBytes(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            book.requireRange("residentBytes", address, bytes);
            long pages = Native.residentPages(address, bytes);
            if (pages < 0) {
                throw refused("mincore of [" + Sizes.hex(address) + ", " + Sizes.hex(address + bytes) + ")");
            }
            return pages * Native.osPageSize();
        }
    }

    /** Raw process memory, checked when {@link #checked()}. */
    @Override
    public Memory memory() {
        return memory;
    }

    /** The counters now. */
    @Override
    public VirtualMemoryStats stats() {
        return book.stats();
    }

    /** Unmaps every region still reserved. Idempotent; afterwards every operation but this fails. */
    @Override
    public void close() {
        synchronized (book) {
            if (book.isClosed()) {
                return;
            }
            for (Reservations.Reserved r : book.all()) {
                if (Native.munmap(r.region.address(), r.region.bytes()) != 0) {
                    lastError = "munmap of " + r.region + " failed: " + Native.describe(Native.errno());
                }
            }
            book.closeAll();
        }
    }

    /** A summary for logs: kind, page, checks and counters. */
    @Override
    public String toString() {
        return "OsVirtualMemory[page " + Sizes.format(granularity) + (checked ? ", checked" : "") + ", " + stats() + "]";
    }

    private IllegalStateException refused(String call) {
        lastError = call + " failed: " + Native.describe(Native.errno());
        return new IllegalStateException(lastError);
    }
}
