package org.alloclab.vmem;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;

/**
 * A deterministic virtual memory for tests and studies: a fixed address space, a physical budget,
 * fault injection, and a {@link Memory} that always checks.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li><b>Address space</b> — {@code [BASE_ADDRESS, BASE_ADDRESS + addressSpace)}. Reserve takes the
 *       lowest free range that fits (first fit by address); release gives the range back, merged with
 *       its free neighbours. The same calls give the same addresses on every run.</li>
 *   <li><b>Budget</b> — the physical memory: a commit that would take the committed bytes past it
 *       fails and commits nothing. A console with no demand paging, not a desktop with swap.</li>
 *   <li><b>Fault injection</b> — the Nth reserve, or the Nth commit, fails as if the source had said
 *       no ({@link #failReserveAt(long)}, {@link #failCommitAt(long)}). A commit of pages all already
 *       committed never reaches the source and does not count as a call.</li>
 *   <li><b>Checks</b> — every read or write of a byte that is not committed, inside the address space
 *       or outside, throws {@link UncommittedAccessException} naming the address. Never a crash.</li>
 * </ul>
 *
 * <h2>Backing</h2>
 * <pre>
 *   simulated:  BASE_ADDRESS                                     BASE_ADDRESS + addressSpace
 *               |  region  |  free  |   region   |      free ...        |
 *   backing:    one mmap(addressSpace, PROT_READ|PROT_WRITE, MAP_NORESERVE)
 *               offset = simulated address - BASE_ADDRESS
 * </pre>
 * The backing costs address space only; the kernel backs a page of it when it is first touched, so
 * memory use follows what is touched, not what is reserved. Uncommitted pages of the backing always
 * read zero: decommit and release zero what was committed ({@code madvise(MADV_DONTNEED)} on whole OS
 * pages, a fill of zeroes on the ends when the simulated page is smaller than the OS page). So a page
 * newly committed reads zero, as {@link VirtualMemory#commit} promises, without any work at commit.
 *
 * <p>{@link #residentBytes} is the committed bytes of the range: in this model every committed page is
 * physical memory. The bookkeeping and counters are the OS virtual memory's ({@link Reservations}), and
 * so are the operations: the templates of {@link PagedVirtualMemory} check, skip what has nothing to
 * do, keep the books and {@code lastError}; this class supplies the model above as their hooks — first
 * fit and free ranges for reserve and release, fault injection and the budget as the
 * {@link PagedVirtualMemory.Refusal}s of reserve and commit, zeroing for decommit and release.
 *
 * <p>Thread-safe: every operation and every access holds one monitor, the bookkeeping's.
 */
public final class SimulatedVirtualMemory extends PagedVirtualMemory {

    /** Where the simulated address space begins: {@code 0x1000_0000_0000}. */
    public static final long BASE_ADDRESS = 0x1000_0000_0000L;

    /** The smallest page: 256 bytes. */
    public static final long MIN_PAGE_SIZE = 256;

    /** The largest address space: 64 TiB. */
    public static final long MAX_ADDRESS_SPACE = 64 * Sizes.TiB;

    /** The default page: 4 KiB. */
    public static final long DEFAULT_PAGE_SIZE = 4 * Sizes.KiB;

    /** The default physical budget: 1 GiB. */
    public static final long DEFAULT_BUDGET = Sizes.GiB;

    /** The default address space: 64 GiB. */
    public static final long DEFAULT_ADDRESS_SPACE = 64 * Sizes.GiB;

    private final long budget;
    private final long addressSpace;

    /** The backing mapping; offset {@code a - BASE_ADDRESS} holds simulated address {@code a}. */
    private final MemorySegment backing;

    /** Free ranges of the address space: offset from {@link #BASE_ADDRESS} → length, never adjacent. */
    private final TreeMap<Long, Long> free = new TreeMap<>();

    private long reserveAttempts;
    private long commitAttempts;
    /** The reserve attempt that fails, counted from creation; 0 for none. */
    private long failingReserve;
    /** The commit attempt that fails, counted from creation; 0 for none. */
    private long failingCommit;

    /** The defaults: 4 KiB pages, a 1 GiB budget, 64 GiB of address space, no injected failure. */
    public SimulatedVirtualMemory() {
        this(DEFAULT_PAGE_SIZE, DEFAULT_BUDGET, DEFAULT_ADDRESS_SPACE);
    }

    /**
     * A simulation with no injected failure.
     *
     * @param pageSize     the page, a power of two of at least {@value #MIN_PAGE_SIZE} bytes
     * @param budget       the most bytes committed at once
     * @param addressSpace the bytes that can be reserved, a multiple of the page, at most 64 TiB
     * @throws IllegalArgumentException naming the value that is out of range
     */
    public SimulatedVirtualMemory(long pageSize, long budget, long addressSpace) {
        this(pageSize, budget, addressSpace, 0, 0);
    }

    /**
     * A simulation.
     *
     * @param pageSize      the page, a power of two of at least {@value #MIN_PAGE_SIZE} bytes
     * @param budget        the most bytes committed at once
     * @param addressSpace  the bytes that can be reserved, a multiple of the page, at most 64 TiB
     * @param failReserveAt the reserve call that fails (1 = the first), 0 for none
     * @param failCommitAt  the commit call that fails (1 = the first), 0 for none
     * @throws IllegalArgumentException      naming the value that is out of range
     * @throws IllegalStateException         when the backing cannot be mapped
     * @throws UnsupportedOperationException when this is not Linux on x86-64 or aarch64
     */
    @SuppressWarnings("restricted") // reinterpret: the backing is exactly the mapping just made
    public SimulatedVirtualMemory(long pageSize, long budget, long addressSpace, long failReserveAt, long failCommitAt) {
        Native.requireSupported();
        requireValid("page size", pageSize, pageSizeProblem(pageSize));
        requireValid("budget", budget, budget < 0 ? "cannot be negative" : null);
        requireValid("address space", addressSpace, addressSpaceProblem(addressSpace, pageSize));
        requireValid("failReserveAt", failReserveAt, failReserveAt < 0 ? "cannot be negative" : null);
        requireValid("failCommitAt", failCommitAt, failCommitAt < 0 ? "cannot be negative" : null);
        this.budget = budget;
        this.addressSpace = addressSpace;
        this.failingReserve = failReserveAt;
        this.failingCommit = failCommitAt;
        long address = Native.mmap(addressSpace, Native.PROT_READ | Native.PROT_WRITE,
                Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE);
        if (address == Native.MAP_FAILED) {
            throw new IllegalStateException("cannot back a simulated address space of " + Sizes.format(addressSpace)
                    + ": mmap failed: " + Native.describe(Native.errno()));
        }
        MemorySegment backing = MemorySegment.ofAddress(address).reinterpret(addressSpace);
        this.backing = backing;
        var book = new Reservations(pageSize);
        super(book, new CheckedMemory(backing, BASE_ADDRESS, book));
        this.free.put(0L, addressSpace);
    }

    /** Why {@code pageSize} cannot be a simulated page, or {@code null} when it can. */
    static String pageSizeProblem(long pageSize) {
        return Sizes.isPowerOfTwo(pageSize) && pageSize >= MIN_PAGE_SIZE ? null
                : "must be a power of two of at least " + MIN_PAGE_SIZE + " bytes";
    }

    /** Why {@code addressSpace} cannot be simulated with {@code pageSize}, or {@code null} when it can. */
    static String addressSpaceProblem(long addressSpace, long pageSize) {
        if (addressSpace <= 0 || addressSpace > MAX_ADDRESS_SPACE) {
            return "must be positive and at most " + Sizes.format(MAX_ADDRESS_SPACE);
        }
        if (Sizes.isPowerOfTwo(pageSize) && (addressSpace & (pageSize - 1)) != 0) {
            return "must be a multiple of the page size " + Sizes.format(pageSize);
        }
        return null;
    }

    private static void requireValid(String name, long value, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException("simulated virtual memory: " + name + " " + value + " " + problem);
        }
    }

    /** {@code "simulated"}. */
    @Override
    public String kind() {
        return "simulated";
    }

    /** The physical budget: the most bytes committed at once. */
    public long budget() {
        return budget;
    }

    /** The size of the simulated address space, which starts at {@link #BASE_ADDRESS}. */
    public long addressSpace() {
        return addressSpace;
    }

    /**
     * Makes the {@code nth} reserve from now fail (1 = the next one), once; 0 cancels. Replaces any
     * reserve failure set before.
     *
     * @param nth which reserve from now fails: 1 for the next, 0 for none
     * @throws IllegalArgumentException when {@code nth} is negative
     */
    public void failReserveAt(long nth) {
        if (nth < 0) {
            throw new IllegalArgumentException("failReserveAt " + nth + ": cannot be negative");
        }
        synchronized (book) {
            failingReserve = nth == 0 ? 0 : reserveAttempts + nth;
        }
    }

    /**
     * Makes the {@code nth} commit from now fail (1 = the next one), once; 0 cancels. Replaces any commit
     * failure set before. Only commits that would commit at least one page count.
     *
     * @param nth which commit from now fails: 1 for the next, 0 for none
     * @throws IllegalArgumentException when {@code nth} is negative
     */
    public void failCommitAt(long nth) {
        if (nth < 0) {
            throw new IllegalArgumentException("failCommitAt " + nth + ": cannot be negative");
        }
        synchronized (book) {
            failingCommit = nth == 0 ? 0 : commitAttempts + nth;
        }
    }

    /**
     * The lowest free range of the address space that fits, unless this is the reserve call whose
     * failure was injected.
     */
    @Override
    Region obtain(long size) throws Refusal {
        reserveAttempts++;
        if (reserveAttempts == failingReserve) {
            failingReserve = 0;
            throw new Refusal("reserve of " + Sizes.format(size) + " failed: injected failure of reserve call "
                    + reserveAttempts);
        }
        for (Map.Entry<Long, Long> range : free.entrySet()) {
            long offset = range.getKey();
            long length = range.getValue();
            if (length >= size) {
                free.remove(offset);
                if (length > size) {
                    free.put(offset + size, length - size);
                }
                return new Region(BASE_ADDRESS + offset, size);
            }
        }
        long largest = free.values().stream().mapToLong(Long::longValue).max().orElse(0);
        throw new Refusal("reserve of " + Sizes.format(size) + " failed: the address space of "
                + Sizes.format(addressSpace) + " has no free range that large (largest " + Sizes.format(largest) + ")");
    }

    /** Zeroes the committed pages of the region and makes its addresses free again. */
    @Override
    void giveBack(Reservations.Reserved r) {
        book.forEachCommittedRun(r, r.region.address(), r.region.bytes(), this::zero);
        freeRange(r.region.address() - BASE_ADDRESS, r.region.bytes());
    }

    /** Adds {@code [offset, offset + bytes)} to the free ranges, merged with its neighbours. */
    private void freeRange(long offset, long bytes) {
        long start = offset;
        long length = bytes;
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            free.remove(before.getKey());
        }
        Long after = free.get(offset + bytes);
        if (after != null) {
            length += after;
            free.remove(offset + bytes);
        }
        free.put(start, length);
    }

    /**
     * Nothing to do — the backing of uncommitted pages is already zero — unless this is the commit call
     * whose failure was injected, or the {@code fresh} bytes would take the committed bytes past the
     * budget. Only commits that reach here (at least one page to commit) count as calls.
     */
    @Override
    void makeAccessible(Reservations.Reserved r, long address, long bytes, long fresh) throws Refusal {
        commitAttempts++;
        String what = "commit of " + Sizes.format(bytes) + " at " + Sizes.hex(address) + " failed: ";
        if (commitAttempts == failingCommit) {
            failingCommit = 0;
            throw new Refusal(what + "injected failure of commit call " + commitAttempts);
        }
        long committed = book.committedBytes();
        if (fresh > budget - committed) {
            throw new Refusal(what + "the budget of " + Sizes.format(budget) + " is exhausted ("
                    + Sizes.format(committed) + " committed, " + Sizes.format(fresh) + " more asked)");
        }
    }

    /** Zeroes the committed pages of the range, so that they read zero when committed again. */
    @Override
    void makeInaccessible(Reservations.Reserved r, long address, long bytes) {
        book.forEachCommittedRun(r, address, bytes, this::zero);
    }

    /**
     * Zeroes the backing of {@code [address, address + bytes)}: the whole OS pages inside are dropped
     * ({@code MADV_DONTNEED}, which also gives their memory back), the ends are filled with zeroes.
     */
    private void zero(long address, long bytes) {
        long osPage = Native.osPageSize();
        long offset = address - BASE_ADDRESS;
        // The backing starts on an OS page, so an offset is OS-page aligned exactly when its address is.
        long innerStart = Sizes.alignUp(offset, osPage);
        long innerEnd = Sizes.alignDown(offset + bytes, osPage);
        if (innerStart < innerEnd
                && Native.madvise(backing.address() + innerStart, innerEnd - innerStart, Native.MADV_DONTNEED) == 0) {
            backing.asSlice(offset, innerStart - offset).fill((byte) 0);
            backing.asSlice(innerEnd, offset + bytes - innerEnd).fill((byte) 0);
        } else {
            backing.asSlice(offset, bytes).fill((byte) 0);
        }
    }

    /** The committed bytes of the range: in the simulation every committed page is resident. */
    @Override
    long resident(Reservations.Reserved r, long address, long bytes) {
        return book.committedBytes(r, address, bytes);
    }

    /** Nothing outside the regions is committed in a simulation. */
    @Override
    long residentUnreserved(long address, long bytes) {
        return 0;
    }

    /**
     * Unmaps the backing, once every region is forgotten (they need no zeroing: the backing goes as a
     * whole). Afterwards every access throws {@link UncommittedAccessException}.
     */
    @Override
    void shutDown() throws Refusal {
        free.clear();
        if (Native.munmap(backing.address(), addressSpace) != 0) {
            throw new Refusal("munmap of the backing failed: " + Native.describe(Native.errno()));
        }
    }

    /** A summary for logs: page, budget, address space and counters. */
    @Override
    public String toString() {
        return "SimulatedVirtualMemory[page " + Sizes.format(pageSize()) + ", budget " + Sizes.format(budget)
                + ", address space " + Sizes.format(addressSpace) + ", " + stats() + "]";
    }
}
