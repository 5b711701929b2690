package org.alloclab.freelist;

/**
 * The layout of a {@link FreeListAllocator} block, in one place: the boundary-tag word, the offsets of
 * the fields a free block keeps in its payload, and the limits the encoding imposes.
 *
 * <h2>The tag word</h2>
 * Every block starts with a header word and ends with a footer word holding the same value:
 * <pre>
 *   63                    41 40        35 34                              3  2  1  0
 *  +------------------------+------------+---------------------------------+-----+---+
 *  |  check (23 bits)       | slack (6)  |  block size in bytes (mult. 8)  | 0 0 | A |
 *  +------------------------+------------+---------------------------------+-----+---+
 * </pre>
 * <ul>
 *   <li><b>A</b> — the block is allocated (in use).</li>
 *   <li><b>size</b> — the whole block, tags included; a multiple of 8, so it sits in place and the word
 *       masked is the size. 32 bits of 8-byte units: heaps up to 32 GiB.</li>
 *   <li><b>slack</b> — of an allocated block, its usable size minus the size the caller asked for
 *       (0 … 39 by construction, see {@link FreeListAllocator}), so a free knows the requested size it
 *       takes off {@code live_bytes} without a side table; 0 in a free block.</li>
 *   <li><b>check</b> — 23 bits of a hash of the tag's own address, the fields below it and the heap's
 *       generation (bumped by every reset). A free of an address that is not a block start reads some
 *       word of user data or of a free block where a header would be; that word passes the check with
 *       probability 2<sup>-23</sup>, and then must also equal the word where its footer would be. The
 *       address in the hash makes a copy of a real tag elsewhere invalid, the generation makes the tags
 *       of blocks that a reset swept away invalid.</li>
 * </ul>
 *
 * <h2>A free block's payload</h2>
 * <pre>
 *  +0 header | +8 next (int) | +12 prev (int) | +16 stamp (long) | ... | size-8 footer
 * </pre>
 * {@code next} and {@code prev} are the free list's links, as offsets from the heap base in 8-byte words
 * (0 is no block: the first word of the heap is the prologue tag, never a block). {@code stamp} is the
 * value of a counter of frees when the memory became free (kept when a block is split), which orders
 * LIFO and FIFO lists and lets {@code verify()} check that order. Hence the minimum block of 32 bytes.
 */
final class BoundaryTag {

    /** Bytes of a word: a tag, a pair of links, a stamp. */
    static final long WORD = 8;
    /** Header and footer of one block: the overhead of an allocated block. */
    static final long TAGS = 2 * WORD;
    /** Smallest block: header, links, stamp, footer. A split leaves no remainder smaller than this. */
    static final long MIN_BLOCK = 32;
    /** Largest heap: sizes have 32 bits of 8-byte units, links are 32-bit word offsets. */
    static final long MAX_HEAP = 1L << 35;

    /** Offset of the next link (an int) in a free block. */
    static final long NEXT = 8;
    /** Offset of the previous link (an int) in a free block. */
    static final long PREV = 12;
    /** Offset of the stamp (a long) in a free block. */
    static final long STAMP = 16;

    static final long IN_USE = 1;
    private static final long SIZE_MASK = (MAX_HEAP - 1) & -WORD;
    private static final int SLACK_SHIFT = 35;
    /** Largest slack the tag holds. */
    static final long MAX_SLACK = (1L << 6) - 1;
    private static final int CHECK_SHIFT = 41;
    private static final long FIELDS = (1L << CHECK_SHIFT) - 1;

    private BoundaryTag() {
    }

    /**
     * The tag of a block whose header is at {@code address}.
     *
     * @throws IllegalStateException when a field does not fit (an allocator bug, never user input)
     */
    static long encode(long address, long size, boolean inUse, long slack, long generation) {
        if ((size & ~SIZE_MASK) != 0 || slack < 0 || slack > MAX_SLACK || (!inUse && slack != 0)) {
            throw new IllegalStateException("freelist: cannot tag a block of " + size + " bytes with slack " + slack);
        }
        long fields = size | (inUse ? IN_USE : 0) | slack << SLACK_SHIFT;
        return fields | check(address, fields, generation) << CHECK_SHIFT;
    }

    /** Whether {@code tag} is what {@link #encode} writes at {@code address} in {@code generation}. */
    static boolean valid(long address, long tag, long generation) {
        long fields = tag & FIELDS;
        return (fields & 0b110) == 0 && (tag >>> CHECK_SHIFT) == check(address, fields, generation);
    }

    /** The block size of a tag. */
    static long size(long tag) {
        return tag & SIZE_MASK;
    }

    /** Whether a tag marks its block allocated. */
    static boolean inUse(long tag) {
        return (tag & IN_USE) != 0;
    }

    /** The usable size minus the requested size of an allocated block's tag. */
    static long slack(long tag) {
        return (tag >>> SLACK_SHIFT) & MAX_SLACK;
    }

    /** 23 bits of a mix (the SplitMix64 finaliser) of the address, the fields and the generation. */
    private static long check(long address, long fields, long generation) {
        long z = address * 0x9E3779B97F4A7C15L ^ fields ^ generation * 0xC2B2AE3D27D4EB4FL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z >>> CHECK_SHIFT;
    }
}
