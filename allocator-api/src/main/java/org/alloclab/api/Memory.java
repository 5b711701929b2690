package org.alloclab.api;

/**
 * Reads and writes the bytes behind addresses handed out by an allocator. Every access to managed
 * memory goes through a {@code Memory} — the strategy's own (boundary tags, free-list links) as well as
 * its users' — so that a checked view can catch a touch of memory that is not committed and report it
 * as an {@link UncommittedAccessException} naming the address, instead of a crash.
 *
 * <p>Multi-byte values are in native byte order and need no alignment. A {@code Memory} obtained from
 * OS virtual memory reaches real process memory; touching an address that is not committed there
 * faults like any native program would, unless checks are on (see the OS virtual memory).
 */
public interface Memory {

    /** Reads one byte. */
    byte getByte(long address);

    /** Writes one byte. */
    void putByte(long address, byte value);

    /** Reads four bytes. */
    int getInt(long address);

    /** Writes four bytes. */
    void putInt(long address, int value);

    /** Reads eight bytes. */
    long getLong(long address);

    /** Writes eight bytes. */
    void putLong(long address, long value);

    /** Sets {@code bytes} bytes from {@code address} to {@code value}. */
    void fill(long address, long bytes, byte value);

    /** Copies {@code bytes} bytes; the ranges may overlap (memmove). */
    void copy(long from, long to, long bytes);
}
