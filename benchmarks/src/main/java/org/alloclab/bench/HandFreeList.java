package org.alloclab.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference point for the size-class strategies: what an engine programmer writes by hand when a
 * general allocator is too slow. Sixteen classes of 16 to 256 bytes, each with a 4 MiB region of one
 * native segment; a class's free blocks form a singly linked list threaded through the blocks themselves;
 * a block's class is its region, so a free needs no header and no lookup. No argument checks, no
 * statistics, one thread — none of what an {@code Allocator} promises, which is what the comparison
 * measures.
 */
final class HandFreeList implements AutoCloseable {

    private static final int CLASSES = 16;
    private static final int REGION_SHIFT = 22;              // 4 MiB per class

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment segment;
    private final long base;
    private final long[] head = new long[CLASSES];            // offsets + 1; 0 = empty
    private final long[] bump = new long[CLASSES];

    HandFreeList() {
        segment = arena.allocate((long) CLASSES << REGION_SHIFT, 4096);
        base = segment.address();
    }

    /** A block of {@code size} bytes, 1 to 256; 0 when its class's region is used up. */
    long allocate(long size) {
        int c = (int) ((size - 1) >>> 4);
        long h = head[c];
        if (h != 0) {
            head[c] = segment.get(ValueLayout.JAVA_LONG_UNALIGNED, h - 1);
            return base + h - 1;
        }
        long offset = bump[c];
        if (offset + ((c + 1) << 4) > 1L << REGION_SHIFT) {
            return 0;
        }
        bump[c] = offset + ((c + 1) << 4);
        return base + ((long) c << REGION_SHIFT) + offset;
    }

    /** Frees a block this list handed out. */
    void free(long address) {
        long offset = address - base;
        int c = (int) (offset >>> REGION_SHIFT);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, head[c]);
        head[c] = offset + 1;
    }

    @Override
    public void close() {
        arena.close();
    }
}
