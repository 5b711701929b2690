package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Counts the resident pages of address ranges with {@code mincore}: one byte per page, bit 0 set when the
 * page is in memory. A counter owns its vector (one call covers up to its length in pages) and is not
 * safe for several threads; its owner serialises the calls.
 */
final class Mincore {

    private static final long LOW_BITS = 0x0101010101010101L;

    private final long page = Libc.PAGE_SIZE;
    private final MemorySegment vector;

    /** A counter whose vector covers {@code pagesPerCall} pages a call, allocated in {@code arena}. */
    Mincore(Arena arena, long pagesPerCall) {
        this.vector = arena.allocate(Math.max(8, pagesPerCall), 8);
    }

    /** The page size. */
    long page() {
        return page;
    }

    /** The vector the last call filled, one byte per page. */
    MemorySegment vector() {
        return vector;
    }

    /**
     * Resident bytes of the page-aligned range {@code [start, start + length)}; the part from the first
     * page that is not mapped on counts nothing ({@code mincore} answers ENOMEM).
     */
    long resident(long start, long length) {
        long pagesPerCall = vector.byteSize();
        long total = 0;
        for (long done = 0; done < length; ) {
            long pages = Math.min(pagesPerCall, (length - done + page - 1) / page);
            if (!Libc.mincore(start + done, pages * page, vector.address())) {
                return total;
            }
            total += count(pages) * page;
            done += pages * page;
        }
        return total;
    }

    /** Resident pages among the first {@code pages} bytes of the vector. */
    private long count(long pages) {
        long words = pages / 8;
        long count = 0;
        for (long i = 0; i < words; i++) {
            count += Long.bitCount(vector.get(ValueLayout.JAVA_LONG, i * 8) & LOW_BITS);
        }
        for (long i = words * 8; i < pages; i++) {
            count += vector.get(ValueLayout.JAVA_BYTE, i) & 1;
        }
        return count;
    }
}
