package org.alloclab.harness.workload;

import java.util.Arrays;

/**
 * A workload as a recorded sequence of operations, generated once and replayed identically against every
 * strategy. Blocks are named by <em>slots</em> (0, 1, 2, …), not addresses: the replayer maps each slot to
 * the address the strategy under test returned. Stored as parallel primitive arrays so replay allocates
 * nothing and a million operations take a few tens of megabytes.
 *
 * <h2>Threads</h2>
 * A workload for {@code T} threads is {@code T} streams of operations, one per thread, over <em>one</em>
 * slot space: a slot names one allocation of the whole workload, whichever stream makes it (builders that
 * share the space come from {@link #builders(String, int)}; {@link #inSlotSpace(int, int)} moves a stream
 * generated alone into a part of the space of its own). The streams follow these rules, which
 * {@link Streams#check(java.util.List)} enforces:
 * <ol>
 *   <li><b>One allocation per slot.</b> Every slot is allocated exactly once, in one stream.</li>
 *   <li><b>One user per slot.</b> Every later operation on the slot ({@link Kind#REALLOCATE}s, then its
 *       {@link Kind#FREE}) is in one stream, the allocating one or another: a block is handed over at most
 *       once, never shared.</li>
 *   <li><b>Waiting for a handover.</b> An operation on a slot that another stream allocates waits, at
 *       replay, until that allocation has been done and published; this is how a block crosses threads
 *       (a producer allocates, a consumer frees).</li>
 *   <li><b>Meeting points.</b> {@link Kind#BARRIER}s — and, with more than one stream,
 *       {@link Kind#PHASE_END}s — are where all threads meet: no thread passes its {@code n}-th meeting
 *       point until every thread has reached its own {@code n}-th. Every stream has the same number.</li>
 *   <li><b>No cyclic waits.</b> A stream never waits, directly or through others, for itself: between
 *       two meeting points, a stream that frees blocks of another must not be waited on by that other
 *       (e.g. producers never wait, consumers never produce for producers), and a block is never freed
 *       in an earlier meeting interval than the one it is allocated in. A greedy replay of the streams in
 *       {@link Streams#check} finishes exactly when this holds, so a generator that breaks it is caught
 *       before any strategy runs, naming the waiting streams, never by a hang.</li>
 * </ol>
 * A single stream is the one-threaded workload it always was: its meeting points are no-ops, except that
 * a {@link Kind#PHASE_END} still resets a strategy that cannot free.
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
         * can reset is reset here. With several threads it is also a meeting point (see the class
         * comment), and the reset happens once every thread has arrived at a {@code PHASE_END}.
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
        FRAME_END,
        /**
         * All threads meet: no thread goes past its {@code n}-th meeting point until every thread has
         * reached its {@code n}-th (see the class comment). Nothing happens to the allocator. Alone, a
         * no-op. Appended last so the kinds' ordinals of older workloads keep their meaning.
         */
        BARRIER
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
    private final int[] sites;                 // index into siteNames per operation, -1 for none; null: no sites
    private final String[] siteNames;

    private Operations(Builder b) {
        this.name = b.name;
        this.size = b.size;
        this.kinds = Arrays.copyOf(b.kinds, b.size);
        this.slots = Arrays.copyOf(b.slots, b.size);
        this.sizes = Arrays.copyOf(b.sizes, b.size);
        this.alignments = Arrays.copyOf(b.alignments, b.size);
        this.slotCount = b.space.next;
        this.notes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.notes));
        this.sites = b.sites == null ? null : Arrays.copyOf(b.sites, b.size);
        this.siteNames = b.sites == null ? null : b.siteIds.keySet().toArray(String[]::new);
    }

    private Operations(Operations o, int slotOffset, int space) {
        this.name = o.name;
        this.size = o.size;
        this.kinds = o.kinds;
        this.sizes = o.sizes;
        this.alignments = o.alignments;
        this.slots = new int[o.size];
        for (int i = 0; i < o.size; i++) {
            this.slots[i] = o.slots[i] < 0 ? o.slots[i] : o.slots[i] + slotOffset;
        }
        this.slotCount = space;
        this.notes = o.notes;
        this.sites = o.sites;
        this.siteNames = o.siteNames;
    }

    /** Operations read back from their file ({@link OperationsFile}); the arrays are taken as they are. */
    Operations(String name, byte[] kinds, int[] slots, long[] sizes, int[] alignments, int slotCount,
               java.util.Map<String, Long> notes, int[] sites, String[] siteNames) {
        this.name = name;
        this.size = kinds.length;
        this.kinds = kinds;
        this.slots = slots;
        this.sizes = sizes;
        this.alignments = alignments;
        this.slotCount = slotCount;
        this.notes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notes));
        this.sites = sites;
        this.siteNames = siteNames;
        for (byte k : kinds) {
            if (k < 0 || k >= KINDS.length) {
                throw new IllegalArgumentException("operation kind " + k + " does not exist");
            }
        }
    }

    // What OperationsFile writes: the arrays themselves (the first size entries are the operations).
    byte[] kindArray() {
        return kinds;
    }

    int[] slotArray() {
        return slots;
    }

    long[] sizeArray() {
        return sizes;
    }

    int[] alignmentArray() {
        return alignments;
    }

    int[] siteArray() {
        return sites;
    }

    String[] siteNameArray() {
        return siteNames;
    }

    /** A builder for a workload called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name, new SlotSpace());
    }

    /**
     * Builders for the {@code threads} streams of one workload called {@code name}, handing out slots from
     * one shared slot space (see the class comment). Build them once every stream is complete: each
     * stream's {@link #slotCount()} is then the whole space.
     */
    public static java.util.List<Builder> builders(String name, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a workload needs at least one thread, was " + threads);
        }
        var space = new SlotSpace();
        var list = new java.util.ArrayList<Builder>(threads);
        for (int t = 0; t < threads; t++) {
            list.add(new Builder(name, space));
        }
        return java.util.List.copyOf(list);
    }

    /**
     * These operations as one stream of a workload whose slot space has {@code space} slots: every slot
     * moved up by {@code offset}, into a part of the space where no other stream's slots are (a stream
     * generated alone, given a place beside its siblings), and {@link #slotCount()} the whole space.
     *
     * @throws IllegalArgumentException when the moved slots do not fit in the space
     */
    public Operations inSlotSpace(int offset, int space) {
        if (offset < 0 || (long) offset + slotCount > space) {
            throw new IllegalArgumentException("slots [" + offset + ", " + ((long) offset + slotCount)
                    + ") do not fit in a slot space of " + space);
        }
        return new Operations(this, offset, space);
    }

    /**
     * These operations followed by {@code count} {@link Kind#BARRIER}s: how a stream with fewer meeting
     * points than its siblings is evened up (see {@link Streams#balance}).
     */
    Operations withBarriersAppended(int count) {
        if (count == 0) {
            return this;
        }
        var b = new Builder(name, new SlotSpace());
        b.space.next = slotCount;
        for (int i = 0; i < size; i++) {
            b.site(site(i));
            b.append(kind(i), slots[i], sizes[i], alignments[i]);
        }
        for (int i = 0; i < count; i++) {
            b.barrier();
        }
        notes.forEach(b::note);
        return b.build();
    }

    /**
     * Where operation {@code i} was called from, as the trace recorded it (an allocation's or
     * reallocation's caller in an mtrace file: {@code perl:(Perl_safesysmalloc+26)[0xf6f96]}), or null.
     */
    public String site(int i) {
        if (sites == null) {
            return null;
        }
        int s = sites[i];
        return s < 0 ? null : siteNames[s];
    }

    /** Whether any operation has a recorded site. */
    public boolean hasSites() {
        return sites != null;
    }

    /** The workload's name. */
    public String name() {
        return name;
    }

    /** Number of operations. */
    public int size() {
        return size;
    }

    /**
     * Number of slots: one more than the highest slot the workload uses. For a stream of a workload with
     * several threads, the size of the whole slot space the streams share (see {@link Streams#slotSpace}).
     */
    public int slotCount() {
        return slotCount;
    }

    /** The kind of operation {@code i}. */
    public Kind kind(int i) {
        return KINDS[kinds[i]];
    }

    /** The slot of operation {@code i} (-1 for the kinds that name no block). */
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

    /** The counter of slots the builders of one workload share. */
    private static final class SlotSpace {
        int next;
    }

    /** Appends operations; slots are handed out by {@link #allocate}, from a slot space it may share. */
    public static final class Builder {
        private final String name;
        private final SlotSpace space;
        private byte[] kinds = new byte[1024];
        private int[] slots = new int[1024];
        private long[] sizes = new long[1024];
        private int[] alignments = new int[1024];
        private int size;
        private final java.util.Map<String, Long> notes = new java.util.LinkedHashMap<>();
        private int[] sites;                                   // made at the first site
        private final java.util.Map<String, Integer> siteIds = new java.util.LinkedHashMap<>();
        private int nextSite = -1;

        private Builder(String name, SlotSpace space) {
            this.name = name;
            this.space = space;
        }

        /** Appends an allocation and returns the new block's slot. */
        public int allocate(long bytes, int alignment) {
            if (space.next == Integer.MAX_VALUE) {
                throw new IllegalStateException("a workload may not name more than " + Integer.MAX_VALUE + " blocks");
            }
            int slot = space.next++;
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

        /** Appends a meeting point of all threads; see {@link Kind#BARRIER}. */
        public void barrier() {
            append(Kind.BARRIER, -1, 0, 0);
        }

        /** Adds {@code count} to the note {@code name}; see {@link Operations#notes()}. */
        public void note(String name, long count) {
            notes.merge(name, count, Long::sum);
        }

        /** The site the next operation appended was called from (see {@link Operations#site(int)}); null for none. */
        public void site(String site) {
            if (site == null) {
                return;
            }
            Integer id = siteIds.get(site);
            if (id == null) {
                id = siteIds.size();
                siteIds.put(site, id);
            }
            nextSite = id;
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
                if (sites != null) {
                    sites = Arrays.copyOf(sites, capacity);
                }
            }
            if (nextSite >= 0 && sites == null) {
                sites = new int[kinds.length];
                Arrays.fill(sites, 0, size, -1);
            }
            if (sites != null) {
                sites[size] = nextSite;
                nextSite = -1;
            }
            kinds[size] = (byte) kind.ordinal();
            slots[size] = slot;
            sizes[size] = bytes;
            alignments[size] = alignment;
            size++;
        }
    }
}
