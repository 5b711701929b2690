package org.alloclab.slab;

import java.util.ArrayList;
import java.util.List;

/**
 * The segregated-fit size classes, with jemalloc's spacing: fine steps for small sizes and four classes per
 * doubling above, so rounding a request above 64 bytes up wastes less than a quarter of it (at most 15
 * bytes below).
 *
 * <pre>
 *   8
 *   16, 32, 48, …, 128                          every 16 bytes
 *   2^k + i · 2^(k−2), i = 1…4, for k ≥ 7       160 192 224 256 │ 320 384 448 512 │ 640 … up to max-small
 * </pre>
 *
 * <p>Each class takes spans of the fewest pages that hold at least eight slots (or 64 KiB, whichever is
 * less) and leave no more than an eighth of the span unused past the last slot. A request's class is one
 * array lookup indexed by {@code (size + 7) / 8}.
 */
final class SizeClasses {

    /** The largest request the classes serve unless max-small says otherwise. */
    static final long DEFAULT_MAX_SMALL = 32 * 1024;

    final int[] sizes;
    final int[] spanPages;
    final int maxSmall;
    private final byte[] lookup;       // class per (size + 7) >>> 3

    SizeClasses(long maxSmall, long pageSize) {
        List<Integer> list = new ArrayList<>();
        list.add(8);
        for (int s = 16; s <= 128; s += 16) {
            list.add(s);
        }
        for (long base = 128; list.getLast() < maxSmall; base *= 2) {
            for (int i = 1; i <= 4 && list.getLast() < maxSmall; i++) {
                list.add((int) (base + i * (base / 4)));
            }
        }
        if (list.size() > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("max-small " + maxSmall + " makes more than 127 classes");
        }
        this.sizes = list.stream().mapToInt(Integer::intValue).toArray();
        this.maxSmall = sizes[sizes.length - 1];
        this.spanPages = new int[sizes.length];
        for (int c = 0; c < sizes.length; c++) {
            spanPages[c] = pagesFor(sizes[c], pageSize);
        }
        this.lookup = new byte[(this.maxSmall >>> 3) + 1];
        int c = 0;
        for (int i = 1; i < lookup.length; i++) {
            while (sizes[c] < i << 3) {
                c++;
            }
            lookup[i] = (byte) c;
        }
    }

    /** Pages of a span for slots of {@code size} bytes: see the class comment. */
    static int pagesFor(long size, long pageSize) {
        long want = Math.min(8 * size, Math.max(64 * 1024, size));
        long pages = Math.max(1, (want + pageSize - 1) / pageSize);
        while ((pages * pageSize) % size > pages * pageSize / 8) {
            pages++;
        }
        return (int) pages;
    }

    /** The lookup table itself: the class of a size at {@code (size + 7) >>> 3}. */
    byte[] lookupTable() {
        return lookup;
    }

    int count() {
        return sizes.length;
    }

    /** The class of a request of {@code size} bytes, 1 ≤ size ≤ {@link #maxSmall}, aligned to 8. */
    int classOf(long size) {
        return lookup[(int) ((size + 7) >>> 3)];
    }

    /**
     * The smallest class holding {@code size} bytes whose slots are aligned to {@code alignment} (a slot's
     * alignment is the largest power of two dividing its size, up to the page), or -1 when none does.
     */
    int classOf(long size, long alignment, long pageSize) {
        if (size > maxSmall) {
            return -1;
        }
        if (alignment <= 8) {
            return classOf(size);
        }
        if (alignment > pageSize) {
            return -1;
        }
        for (int c = classOf(size); c < sizes.length; c++) {
            if (sizes[c] % alignment == 0) {
                return c;
            }
        }
        return -1;
    }
}
