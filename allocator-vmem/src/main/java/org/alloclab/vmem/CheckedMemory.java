package org.alloclab.vmem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.alloclab.api.Memory;
import org.alloclab.api.UncommittedAccessException;

/**
 * {@link Memory} that checks every access against the committed pages a {@link Reservations} knows
 * and throws {@link UncommittedAccessException} — naming the access and its first uncommitted byte —
 * instead of touching memory that is not committed.
 *
 * <pre>
 *   address ──► committedPrefix(address, length) == length ?  ──no──► UncommittedAccessException
 *                                   │ yes
 *                                   ▼
 *               backing[address - base]                       (under the bookkeeping's lock)
 * </pre>
 *
 * The backing segment and its base make one class serve both virtual memories: for the OS, the
 * segment of all process memory with base 0; for the simulation, its one backing mapping with the
 * simulated base address. The access itself is made while the bookkeeping's monitor is held, so no
 * decommit, release or close can slip in between check and touch: a checked access can never fault.
 */
final class CheckedMemory implements Memory {

    private final MemorySegment backing;
    private final long base;
    private final Reservations book;

    /**
     * @param backing where the bytes are: address {@code base} is offset 0
     * @param base    the address of the backing's first byte
     * @param book    which pages are committed
     */
    CheckedMemory(MemorySegment backing, long base, Reservations book) {
        this.backing = backing;
        this.base = base;
        this.book = book;
    }

    @Override
    public byte getByte(long address) {
        synchronized (book) {
            return backing.get(ValueLayout.JAVA_BYTE, check("read", address, 1));
        }
    }

    @Override
    public void putByte(long address, byte value) {
        synchronized (book) {
            backing.set(ValueLayout.JAVA_BYTE, check("write", address, 1), value);
        }
    }

    @Override
    public int getInt(long address) {
        synchronized (book) {
            return backing.get(ValueLayout.JAVA_INT_UNALIGNED, check("read", address, Integer.BYTES));
        }
    }

    @Override
    public void putInt(long address, int value) {
        synchronized (book) {
            backing.set(ValueLayout.JAVA_INT_UNALIGNED, check("write", address, Integer.BYTES), value);
        }
    }

    @Override
    public long getLong(long address) {
        synchronized (book) {
            return backing.get(ValueLayout.JAVA_LONG_UNALIGNED, check("read", address, Long.BYTES));
        }
    }

    @Override
    public void putLong(long address, long value) {
        synchronized (book) {
            backing.set(ValueLayout.JAVA_LONG_UNALIGNED, check("write", address, Long.BYTES), value);
        }
    }

    @Override
    public void fill(long address, long bytes, byte value) {
        requireLength(bytes);
        if (bytes == 0) {
            return;
        }
        synchronized (book) {
            backing.asSlice(check("write", address, bytes), bytes).fill(value);
        }
    }

    @Override
    public void copy(long from, long to, long bytes) {
        requireLength(bytes);
        if (bytes == 0) {
            return;
        }
        synchronized (book) {
            long source = check("read", from, bytes);
            long target = check("write", to, bytes);
            MemorySegment.copy(backing, source, backing, target, bytes); // overlap-safe, like memmove
        }
    }

    /** The backing offset of {@code address}, once every byte of the access is known committed. */
    private long check(String access, long address, long bytes) {
        long committed = book.committedPrefix(address, bytes);
        if (committed != bytes) {
            throw new UncommittedAccessException(access, address, bytes, address + committed);
        }
        return address - base;
    }

    static void requireLength(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a length cannot be negative, was " + bytes);
        }
    }
}
