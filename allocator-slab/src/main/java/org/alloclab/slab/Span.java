package org.alloclab.slab;

/**
 * A run of pages from the {@link PageHeap}: either a slab of equal slots of one size class, or one large
 * block. Its bookkeeping lives on the Java heap, so free slots are never written to and a slab cache's
 * constructed state survives free and reuse.
 *
 * <p>A slot is in one of three places: <em>live</em> (handed to a user: {@code requested[slot] > 0}),
 * <em>in a cache</em> (a thread cache, a magazine, a transfer stack or a depot: {@code requested} is 0 and
 * the slot is not on the free stack), or <em>free in the span</em> (on {@link #free}). The free stack is
 * changed only under the owning pool's lock; {@code requested} by whichever thread allocates or frees
 * the slot, which the slot's hand-over between threads orders.
 */
final class Span {

    /** The class index of a large span. */
    static final int LARGE = -1;

    final long start;
    final int pages;
    final long bytes;
    final int sizeClass;
    final int slotSize;
    final int capacity;
    /** {@code ceil(2^32 / slotSize)}: {@code offset * magic >>> 32} is the slot of an offset that is a multiple of the size. */
    private final long magic;
    /** log2 of the slot size when it is a power of two (a shift then finds the slot), else -1. */
    private final int shift;
    private final long mask;
    /** Per slot: the bytes a user asked for while it is live, else 0. A large span uses slot 0. */
    final int[] requested;
    final long[] largeRequested;   // a large block's request may exceed an int
    /** Slots free in the span, a stack. */
    final int[] free;
    int freeCount;

    /** Links of the owning pool's list of spans with free slots. */
    Span prev;
    Span next;
    boolean listed;

    Span(long start, int pages, long pageSize, int sizeClass, int slotSize) {
        this.start = start;
        this.pages = pages;
        this.bytes = pages * pageSize;
        this.sizeClass = sizeClass;
        if (sizeClass == LARGE) {
            this.slotSize = 0;
            this.capacity = 1;
            this.magic = 0;
            this.shift = -1;
            this.mask = 0;
            this.requested = new int[1];
            this.largeRequested = new long[1];
            this.free = new int[0];
        } else {
            this.slotSize = slotSize;
            this.capacity = (int) (bytes / slotSize);
            this.magic = ((1L << 32) + slotSize - 1) / slotSize;
            this.shift = Integer.bitCount(slotSize) == 1 ? Integer.numberOfTrailingZeros(slotSize) : -1;
            this.mask = slotSize - 1;
            this.requested = new int[capacity];
            this.largeRequested = null;
            this.free = new int[capacity];
            for (int i = 0; i < capacity; i++) {
                free[i] = capacity - 1 - i;       // the lowest address is handed out first
            }
            this.freeCount = capacity;
        }
    }

    boolean isLarge() {
        return sizeClass == LARGE;
    }

    /** The address of a slot. */
    long slotAddress(int slot) {
        return start + (long) slot * slotSize;
    }

    /**
     * The slot starting exactly at {@code address}, or -1 when the address is inside a slot or in the
     * span's tail beyond the last slot.
     */
    int slotAt(long address) {
        long offset = address - start;
        int slot;
        if (shift >= 0) {
            slot = (int) (offset >>> shift);
            if ((offset & mask) != 0) {
                return -1;
            }
        } else {
            slot = (int) ((offset * magic) >>> 32);
            if ((long) slot * slotSize != offset) {
                return -1;
            }
        }
        return slot < requested.length ? slot : -1;
    }

    /** The slot of an address known to start one (a cache's), without the checks of {@link #slotAt}. */
    int slotOf(long address) {
        long offset = address - start;
        return shift >= 0 ? (int) (offset >>> shift) : (int) ((offset * magic) >>> 32);
    }


    long end() {
        return start + bytes;
    }
}
