package org.alloclab.api;

/**
 * A range of reserved address space, as returned by {@link VirtualMemory#reserve(long)}.
 *
 * @param address first byte, aligned to the virtual memory's page size
 * @param bytes   length, a multiple of the page size
 */
public record Region(long address, long bytes) {

    /** Checks that the region has an address and a positive length. */
    public Region {
        if (address == 0 || bytes <= 0) {
            throw new IllegalArgumentException("a region needs an address and a positive length, was "
                    + Sizes.hex(address) + " + " + bytes);
        }
    }

    /** One past the last byte. */
    public long end() {
        return address + bytes;
    }

    /** Whether {@code [start, start + length)} lies inside this region. */
    public boolean contains(long start, long length) {
        return start >= address && length >= 0 && start + length <= end() && start + length >= start;
    }

    @Override
    public String toString() {
        return "[" + Sizes.hex(address) + ", " + Sizes.hex(end()) + ") " + Sizes.format(bytes);
    }
}
