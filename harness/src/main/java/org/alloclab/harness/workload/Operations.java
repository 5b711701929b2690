package org.alloclab.harness.workload;

import java.util.Arrays;

/**
 * A workload as a recorded sequence of operations, generated once and replayed identically against every
 * strategy. Blocks are named by <em>slots</em> (0, 1, 2, …), not addresses: the replayer maps each slot to
 * the address the strategy under test returned. Stored as parallel primitive arrays so replay allocates
 * nothing and a million operations take a few tens of megabytes.
 */
public final class Operations {

    /** What one operation does. */
    public enum Kind {
        /** Allocate {@code size} bytes at {@code alignment} into a new slot. */
        ALLOCATE,
        /** Free the block in the slot. */
        FREE,
        /** Resize the block in the slot to {@code size} bytes. */
        REALLOCATE,
        /**
         * A phase ends: every block has just been freed. A strategy that cannot free single blocks but
         * can reset is reset here.
         */
        PHASE_END,
        /**
         * A frame begins (a game frame, a request): blocks allocated until the matching
         * {@link #FRAME_END} are frame-scoped and all freed, by explicit {@link #FREE}s, before it. Frames
         * nest; a block that outlives its frame is never allocated inside one. A strategy with frames but
         * no single-block free pushes a frame here.
         */
        FRAME_BEGIN,
        /** The innermost frame ends; every block allocated inside it has just been freed. */
        FRAME_END
    }

    private static final Kind[] KINDS = Kind.values();

    private final String name;
    private final byte[] kinds;
    private final int[] slots;
    private final long[] sizes;
    private final int[] alignments;
    private final int size;
    private final int slotCount;
    private final java.util.Map<String, Long> notes;

    private Operations(Builder b) {
        this.name = b.name;
        this.size = b.size;
        this.kinds = Arrays.copyOf(b.kinds, b.size);
        this.slots = Arrays.copyOf(b.slots, b.size);
        this.sizes = Arrays.copyOf(b.sizes, b.size);
        this.alignments = Arrays.copyOf(b.alignments, b.size);
        this.slotCount = b.nextSlot;
        this.notes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.notes));
    }

    /** A builder for a workload called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The workload's name. */
    public String name() {
        return name;
    }

    /** Number of operations. */
    public int size() {
        return size;
    }

    /** Number of distinct slots (blocks) the workload uses. */
    public int slotCount() {
        return slotCount;
    }

    /** The kind of operation {@code i}. */
    public Kind kind(int i) {
        return KINDS[kinds[i]];
    }

    /** The slot of operation {@code i} (unused by {@link Kind#PHASE_END}). */
    public int slot(int i) {
        return slots[i];
    }

    /** The requested size of operation {@code i} (allocate and reallocate). */
    public long requestSize(int i) {
        return sizes[i];
    }

    /** The alignment of operation {@code i} (allocate). */
    public long alignment(int i) {
        return alignments[i];
    }

    /**
     * Counts the generator or reader wants reported beside the results, e.g. how many frees of blocks
     * never seen a trace had, by name.
     */
    public java.util.Map<String, Long> notes() {
        return notes;
    }

    /** Counts operations of each kind, indexed by {@link Kind#ordinal()}. */
    public long[] countByKind() {
        long[] counts = new long[KINDS.length];
        for (int i = 0; i < size; i++) {
            counts[kinds[i]]++;
        }
        return counts;
    }

    /** Appends operations; slots are handed out by {@link #allocate}. */
    public static final class Builder {
        private final String name;
        private byte[] kinds = new byte[1024];
        private int[] slots = new int[1024];
        private long[] sizes = new long[1024];
        private int[] alignments = new int[1024];
        private int size;
        private int nextSlot;
        private final java.util.Map<String, Long> notes = new java.util.LinkedHashMap<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Appends an allocation and returns the new block's slot. */
        public int allocate(long bytes, int alignment) {
            int slot = nextSlot++;
            append(Kind.ALLOCATE, slot, bytes, alignment);
            return slot;
        }

        /** Appends a free of {@code slot}. */
        public void free(int slot) {
            append(Kind.FREE, slot, 0, 0);
        }

        /** Appends a resize of {@code slot} to {@code bytes}. */
        public void reallocate(int slot, long bytes) {
            append(Kind.REALLOCATE, slot, bytes, 0);
        }

        /** Appends the end of a phase. */
        public void phaseEnd() {
            append(Kind.PHASE_END, -1, 0, 0);
        }

        /** Appends the beginning of a frame. */
        public void frameBegin() {
            append(Kind.FRAME_BEGIN, -1, 0, 0);
        }

        /** Appends the end of the innermost frame. */
        public void frameEnd() {
            append(Kind.FRAME_END, -1, 0, 0);
        }

        /** Adds {@code count} to the note {@code name}; see {@link Operations#notes()}. */
        public void note(String name, long count) {
            notes.merge(name, count, Long::sum);
        }

        /** Operations appended so far. */
        public int size() {
            return size;
        }

        /** The recorded operations. */
        public Operations build() {
            return new Operations(this);
        }

        private void append(Kind kind, int slot, long bytes, int alignment) {
            if (size == kinds.length) {
                int capacity = Math.multiplyExact(size, 2);
                kinds = Arrays.copyOf(kinds, capacity);
                slots = Arrays.copyOf(slots, capacity);
                sizes = Arrays.copyOf(sizes, capacity);
                alignments = Arrays.copyOf(alignments, capacity);
            }
            kinds[size] = (byte) kind.ordinal();
            slots[size] = slot;
            sizes[size] = bytes;
            alignments[size] = alignment;
            size++;
        }
    }
}
