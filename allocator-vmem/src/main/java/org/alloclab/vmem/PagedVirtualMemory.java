package org.alloclab.vmem;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

/**
 * What the OS and the simulated virtual memory have in common, written once: every operation of
 * {@link VirtualMemory} is a template here, and the subclasses supply only the calls to their memory
 * source, as hooks.
 *
 * <h2>Template</h2>
 * <pre>
 *   operation          bookkeeping (Reservations) before      hook                      after
 *   reserve(n)         open, round n to pages                 obtain(size)              reserved / reserveFailed
 *   release(r)         open, r reserved here                  giveBack(r)               released
 *   commit(a, n)       open, range in one region, pages       makeAccessible(..)        committed / commitFailed
 *                      to commit? (none: true, no call)
 *   decommit(a, n)     open, range in one region, pages       makeInaccessible(..)      decommitted
 *                      committed? (none: no call)
 *   residentBytes      open, range in one region              resident(..)
 *   close()            not closed yet                         abandon(r) per region,    closeAll
 *                                                             then shutDown()
 *   isCommitted, stats, memory, lastError: the bookkeeping and the view alone, no hook
 * </pre>
 * Every operation holds the bookkeeping's monitor from its first check to its last update, hook
 * included, so a region cannot change between check and update; the {@link CheckedMemory} view holds
 * the same monitor around each access.
 *
 * <h2>Refusals</h2>
 * A hook that the memory source says no to throws a {@link Refusal} naming why, before it changes any
 * state the bookkeeping knows of. The template decides what a refusal means, the same way for both
 * subclasses: it becomes {@link #lastError()} always; a refused reserve returns {@code null} and a
 * refused commit {@code false} (counted as failures, a normal outcome); a refused release, decommit or
 * residency query throws {@link IllegalStateException} (the source is broken); a refusal while closing
 * is noted and closing goes on.
 */
abstract sealed class PagedVirtualMemory implements VirtualMemory permits OsVirtualMemory, SimulatedVirtualMemory {

    /** The source of memory said no; the message says why. Cheap: no stack trace, it is an outcome. */
    static final class Refusal extends Exception {
        Refusal(String why) {
            super(why, null, false, false);
        }
    }

    /** Regions, committed pages and counters; its monitor guards every operation and hook. */
    final Reservations book;
    private final Memory memory;
    private volatile String lastError;

    /**
     * @param book   the bookkeeping, with the page of this virtual memory
     * @param memory the view of the committed pages, checked against {@code book} or raw
     */
    PagedVirtualMemory(Reservations book, Memory memory) {
        this.book = book;
        this.memory = memory;
    }

    // ---------------------------------------------------------------------------------------------
    // Hooks: the memory source. Each runs under the bookkeeping's monitor, after the checks.

    /**
     * Obtains address space for a region of {@code bytes}, a positive multiple of the page; its start
     * must be aligned to the page.
     *
     * @throws Refusal when the source has no such address space; nothing was obtained
     */
    abstract Region obtain(long bytes) throws Refusal;

    /**
     * Gives {@code r}'s region back to the source, its committed pages (still marked in {@code r}) with it.
     *
     * @throws Refusal when the source will not take it back
     */
    abstract void giveBack(Reservations.Reserved r) throws Refusal;

    /**
     * Makes the pages of {@code [address, address + bytes)} in {@code r} readable, writable and zero
     * where they were not committed; some pages may be committed already.
     *
     * @param fresh the bytes of the range not committed yet, positive
     * @throws Refusal when the source will not commit them; then nothing was committed
     */
    abstract void makeAccessible(Reservations.Reserved r, long address, long bytes, long fresh) throws Refusal;

    /**
     * Drops the contents of the committed pages of {@code [address, address + bytes)} in {@code r} (at
     * least one is) and makes the range inaccessible.
     *
     * @throws Refusal when the source will not
     */
    abstract void makeInaccessible(Reservations.Reserved r, long address, long bytes) throws Refusal;

    /**
     * Bytes resident in a page-aligned range that holds no region of this virtual memory — never
     * reserved, or released — asked of the memory source as it is.
     */
    abstract long residentUnreserved(long address, long bytes) throws Refusal;

    /**
     * The bytes of {@code [address, address + bytes)} in {@code r} backed by physical memory now.
     *
     * @throws Refusal when the source cannot tell
     */
    abstract long resident(Reservations.Reserved r, long address, long bytes) throws Refusal;

    /**
     * Gives a region still reserved at {@link #close()} back, before the bookkeeping forgets it. Nothing
     * by default: a source that goes away as a whole does so in {@link #shutDown()}.
     *
     * @throws Refusal when the source will not take it back; closing goes on
     */
    void abandon(Region region) throws Refusal {
    }

    /**
     * Lets go of the source itself, once, at {@link #close()}, after every region was abandoned and
     * forgotten. Nothing by default.
     *
     * @throws Refusal when the source will not go; closing is done all the same
     */
    void shutDown() throws Refusal {
    }

    // ---------------------------------------------------------------------------------------------
    // Templates

    /**
     * The page of this virtual memory, as chosen at construction: the unit of commit and decommit, a
     * power of two, to which regions are aligned.
     */
    @Override
    public final long pageSize() {
        return book.pageSize();
    }

    /**
     * Why the last operation the memory source refused failed, e.g. {@code "mmap of 1.0 PiB failed:
     * ENOMEM (Cannot allocate memory)"} or {@code "commit of 8 KiB at 0x100000000000 failed: the budget
     * of 16 KiB is exhausted (12 KiB committed, 8 KiB more asked)"}; {@code null} when none has.
     */
    public final String lastError() {
        return lastError;
    }

    /**
     * Reserves address space, rounded up to a multiple of the page and aligned to it.
     *
     * @return the region, or {@code null} when the source refused (see {@link #lastError()})
     * @throws IllegalArgumentException when {@code bytes} is not positive, or so large that the region
     *                                  would have more than {@link Integer#MAX_VALUE} pages
     * @throws IllegalStateException    when this virtual memory is closed
     */
    @Override
    public final Region reserve(long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            long size = book.roundReservation(bytes);
            Region region;
            try {
                region = obtain(size);
            } catch (Refusal why) {
                lastError = why.getMessage();
                book.reserveFailed();
                return null;
            }
            book.reserved(region);
            return region;
        }
    }

    /**
     * Gives {@code region} back to the source; its committed pages go with it.
     *
     * @throws IllegalArgumentException when {@code region} is not reserved here
     * @throws IllegalStateException    when this virtual memory is closed, or the source refuses, which
     *                                  means it is broken
     */
    @Override
    public final void release(Region region) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRegion(region);
            try {
                giveBack(r);
            } catch (Refusal why) {
                throw broken(why);
            }
            book.released(r);
        }
    }

    /**
     * Commits the pages of the range. A range already wholly committed reaches no source and counts
     * nothing.
     *
     * @return whether the range is committed; {@code false} when the source refused (see
     *         {@link #lastError()}), and then nothing changed
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when this virtual memory is closed
     */
    @Override
    public final boolean commit(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRange("commit", address, bytes);
            long fresh = book.uncommittedBytes(r, address, bytes);
            if (fresh == 0) {
                return true;
            }
            try {
                makeAccessible(r, address, bytes, fresh);
            } catch (Refusal why) {
                lastError = why.getMessage();
                book.commitFailed();
                return false;
            }
            book.committed(r, address, bytes);
            return true;
        }
    }

    /**
     * Decommits the pages of the range; their contents are lost and read zero when committed again. A
     * range with no committed page reaches no source and counts nothing.
     *
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when this virtual memory is closed, or the source refuses
     */
    @Override
    public final void decommit(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            Reservations.Reserved r = book.requireRange("decommit", address, bytes);
            if (book.committedBytes(r, address, bytes) == 0) {
                return;
            }
            try {
                makeInaccessible(r, address, bytes);
            } catch (Refusal why) {
                throw broken(why);
            }
            book.decommitted(r, address, bytes);
        }
    }

    /** Whether every byte of the range is committed, by the bookkeeping. Any range may be asked. */
    @Override
    public final boolean isCommitted(long address, long bytes) {
        CheckedMemory.requireLength(bytes);
        return book.committedPrefix(address, bytes) == bytes;
    }

    /**
     * The resident bytes of the range, as the source counts them.
     *
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     * @throws IllegalStateException    when this virtual memory is closed, or the source refuses
     */
    @Override
    public final long residentBytes(long address, long bytes) {
        synchronized (book) {
            book.requireOpen(kind());
            try {
                if (bytes > 0 && (address & (pageSize() - 1)) == 0 && (bytes & (pageSize() - 1)) == 0
                        && !book.overlapsAny(address, bytes)) {
                    return residentUnreserved(address, bytes);     // e.g. a region after its release
                }
                Reservations.Reserved r = book.requireRange("residentBytes", address, bytes);
                return resident(r, address, bytes);
            } catch (Refusal why) {
                throw broken(why);
            }
        }
    }

    /**
     * The resident bytes of every region held now: {@link #residentBytes(long, long)} over the span from each
     * region's lowest to its highest committed page. A page outside that span was never committed, or was
     * decommitted, and cannot be resident; leaving it out keeps a footprint probe of a heap that reserved a
     * gigabyte and uses a few megabytes as cheap as the few megabytes (the harness probes hundreds of times
     * per replay). {@link #residentBytes(long, long)} of a whole region still asks about every page.
     */
    @Override
    public final long residentBytes() {
        synchronized (book) {
            book.requireOpen(kind());
            long total = 0;
            for (Reservations.Reserved r : book.all()) {
                int first = r.committed.nextSetBit(0);
                if (first < 0) {
                    continue;
                }
                long from = r.region.address() + first * pageSize();
                long to = r.region.address() + r.committed.length() * pageSize();
                try {
                    total += resident(r, from, to - from);
                } catch (Refusal why) {
                    throw broken(why);
                }
            }
            return total;
        }
    }

    /** The view of the committed pages chosen at construction. */
    @Override
    public final Memory memory() {
        return memory;
    }

    /** The counters now. */
    @Override
    public final VirtualMemoryStats stats() {
        return book.stats();
    }

    /**
     * Gives every region still reserved back, then the source itself. Idempotent; afterwards every
     * operation but this fails. A refusal on the way is kept in {@link #lastError()}, and closing goes
     * on.
     */
    @Override
    public final void close() {
        synchronized (book) {
            if (book.isClosed()) {
                return;
            }
            for (Reservations.Reserved r : book.all()) {
                try {
                    abandon(r.region);
                } catch (Refusal why) {
                    lastError = why.getMessage();
                }
            }
            book.closeAll();
            try {
                shutDown();
            } catch (Refusal why) {
                lastError = why.getMessage();
            }
        }
    }

    private IllegalStateException broken(Refusal why) {
        lastError = why.getMessage();
        return new IllegalStateException(lastError);
    }
}
