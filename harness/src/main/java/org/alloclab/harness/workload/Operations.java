package org.alloclab.harness.workload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A workload as a recorded sequence of operations, generated once and replayed identically against every
 * strategy. Blocks are named by <em>slots</em> (0, 1, 2, …), not addresses: the replayer maps each slot to
 * the address the strategy under test returned. Stored as 16-byte records (see {@link #WORD}) so replay
 * allocates nothing, a million operations take 16 MB, and operations read from their file take none of the
 * heap at all (the file is mapped).
 *
 * <h2>Threads</h2>
 * A workload for {@code T} threads is {@code T} streams of operations, one per thread, over <em>one</em>
 * slot space: a slot names one allocation of the whole workload, whichever stream makes it (builders that
 * share the space come from {@link #builders(String, int)}; {@link #inSlotSpace(int, int)} moves a stream
 * generated alone into a part of the space of its own). The streams follow these rules, which
 * {@link Streams#check(java.util.List)} enforces:
 * <ol>
 *   <li><b>One allocation per slot.</b> Every slot is allocated exactly once, in one stream; or again, by
 *       the stream that allocated and freed it, after that free (a trace's reader uses a freed block's slot
 *       again, so that the replay's tables per slot are as large as the blocks live at once, not as the
 *       allocations of the whole trace).</li>
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

    /**
     * One operation is one record of two words (16 bytes), in the JVM's byte order:
     * <pre>
     *   word 0: size (bits 0-55) | kind's ordinal (bits 56-58) | alignment code (bits 59-63: 0 for none, k for 2^(k-1))
     *   word 1: slot (low 32 bits, -1 for none) | site index (high 32 bits, -1 for none)
     * </pre>
     * The same records live in a {@code long[]} for a workload made in this JVM and in a file mapped into
     * memory for one read back ({@link OperationsFile}): a replay reads either through the same few
     * shifts, and a trace of hundreds of millions of events costs no heap at all once written.
     */
    static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED;
    /** Bytes per operation. */
    static final int RECORD_BYTES = 16;
    /** The largest size a record holds: {@code 2^56 - 1}, far above {@link org.alloclab.api.Allocator#MAX_REQUEST}. */
    public static final long MAX_SIZE = (1L << 56) - 1;
    private static final int KIND_SHIFT = 56;
    private static final int ALIGNMENT_SHIFT = 59;

    private final String name;
    private final MemorySegment records;
    private final int size;
    private final int slotCount;
    private final int slotOffset;              // added to every slot (a stream moved into a part of a slot space)
    private final java.util.Map<String, Long> notes;
    private final String[] siteNames;          // null: no sites
    private final java.util.List<String> warnings;

    private Operations(Builder b) {
        this.name = b.name;
        this.size = b.size;
        this.records = MemorySegment.ofArray(Arrays.copyOf(b.words, 2 * b.size));
        this.slotCount = b.space.next;
        this.slotOffset = 0;
        this.notes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.notes));
        this.siteNames = b.siteNames();
        this.warnings = java.util.List.copyOf(b.warnings);
    }

    private Operations(Operations o, int slotOffset, int space) {
        this.name = o.name;
        this.size = o.size;
        this.records = o.records;
        this.slotOffset = o.slotOffset + slotOffset;
        this.slotCount = space;
        this.notes = o.notes;
        this.siteNames = o.siteNames;
        this.warnings = o.warnings;
    }

    /**
     * Operations read back from their file ({@link OperationsFile}): {@code records} (mapped) taken as they are.
     */
    Operations(String name, MemorySegment records, int size, int slotCount, int slotOffset,
               java.util.Map<String, Long> notes, String[] siteNames, java.util.List<String> warnings) {
        if (records.byteSize() != (long) size * RECORD_BYTES) {
            throw new IllegalArgumentException(size + " operations need " + (long) size * RECORD_BYTES + " bytes, not "
                    + records.byteSize());
        }
        this.name = name;
        this.size = size;
        this.records = records;
        this.slotCount = slotCount;
        this.slotOffset = slotOffset;
        this.notes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notes));
        this.siteNames = siteNames == null || siteNames.length == 0 ? null : siteNames;
        this.warnings = java.util.List.copyOf(warnings);
    }

    // What OperationsFile writes.
    MemorySegment records() {
        return records;
    }

    int slotOffset() {
        return slotOffset;
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
            b.append(kind(i), slot(i), requestSize(i), (int) alignment(i));
        }
        for (int i = 0; i < count; i++) {
            b.barrier();
        }
        notes.forEach(b::note);
        warnings.forEach(b::warn);
        return b.build();
    }

    /**
     * Where operation {@code i} was called from, as the trace recorded it (an allocation's or
     * reallocation's caller in an mtrace file: {@code perl:(Perl_safesysmalloc+26)[0xf6f96]}), or null.
     */
    public String site(int i) {
        if (siteNames == null) {
            return null;
        }
        int s = (int) (word1(i) >> 32);
        return s < 0 ? null : siteNames[s];
    }

    /** Whether any operation has a recorded site. */
    public boolean hasSites() {
        return siteNames != null;
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
        int k = (int) (word0(i) >>> KIND_SHIFT) & 7;
        if (k >= KINDS.length) {
            throw new IllegalStateException("operation " + i + " of " + name + " has kind " + k + ", which does not exist:"
                    + " its operations file is damaged (delete it and the workload is made again)");
        }
        return KINDS[k];
    }

    /** The slot of operation {@code i} (-1 for the kinds that name no block). */
    public int slot(int i) {
        int s = (int) word1(i);
        return s < 0 ? s : s + slotOffset;
    }

    /** The requested size of operation {@code i} (allocate and reallocate). */
    public long requestSize(int i) {
        return word0(i) & MAX_SIZE;
    }

    /** The alignment of operation {@code i} (allocate). */
    public long alignment(int i) {
        int code = (int) (word0(i) >>> ALIGNMENT_SHIFT);
        return code == 0 ? 0 : 1L << (code - 1);
    }

    private long word0(int i) {
        return records.get(WORD, (long) i * RECORD_BYTES);
    }

    private long word1(int i) {
        return records.get(WORD, (long) i * RECORD_BYTES + Long.BYTES);
    }

    /**
     * Counts the generator or reader wants reported beside the results, e.g. how many frees of blocks
     * never seen a trace had, by name.
     */
    public java.util.Map<String, Long> notes() {
        return notes;
    }

    /**
     * What the generator or reader wants a person to read before any cell runs (a trace's first oversized
     * requests or double frees, by file and line); printed once when the workload is prepared.
     */
    public java.util.List<String> warnings() {
        return warnings;
    }

    /** Counts operations of each kind, indexed by {@link Kind#ordinal()}. */
    public long[] countByKind() {
        long[] counts = new long[KINDS.length];
        for (int i = 0; i < size; i++) {
            counts[kind(i).ordinal()]++;
        }
        return counts;
    }

    /** The counter of slots the builders of one workload share. */
    private static final class SlotSpace {
        int next;
    }

    /**
     * Where a builder's records go once its buffer is full, instead of a bigger array: how a trace far
     * larger than the heap is written straight into its operations file ({@link OperationsFile.Writer}).
     */
    interface Spill {
        /** Takes {@code words[0, count)}, whole records. */
        void write(long[] words, int count);
    }

    /** Appends operations; slots are handed out by {@link #allocate}, from a slot space it may share. */
    public static final class Builder {
        /** Records a spilling builder keeps before it hands them on (1 MiB). */
        private static final int SPILL_RECORDS = 1 << 16;

        private final String name;
        private final SlotSpace space;
        private final Spill spill;
        private long[] words;
        private int buffered;                                  // records in words
        private int size;                                      // records appended, spilled ones included
        private final java.util.Map<String, Long> notes = new java.util.LinkedHashMap<>();
        private final java.util.Map<String, Integer> siteIds = new java.util.LinkedHashMap<>();
        private final java.util.List<String> warnings = new java.util.ArrayList<>();
        private int nextSite = -1;

        private Builder(String name, SlotSpace space) {
            this(name, space, null);
        }

        private Builder(String name, SlotSpace space, Spill spill) {
            this.name = name;
            this.space = space;
            this.spill = spill;
            this.words = new long[2 * (spill == null ? 1024 : SPILL_RECORDS)];
        }

        /** A builder whose records go to {@code spill} as they come, never kept whole. */
        static Builder spilling(String name, Spill spill) {
            return new Builder(name, new SlotSpace(), spill);
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

        /**
         * Appends an allocation into {@code slot}, one this builder handed out and whose block was freed since:
         * how a trace's reader keeps the replay's slot tables as small as its live blocks (one stream only;
         * see rule 1 in {@link Operations}' class comment).
         */
        void allocateAgain(int slot, long bytes, int alignment) {
            if (slot < 0 || slot >= space.next) {
                throw new IllegalArgumentException("slot " + slot + " was never handed out");
            }
            append(Kind.ALLOCATE, slot, bytes, alignment);
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

        /** Adds a line to {@link Operations#warnings()}. */
        public void warn(String line) {
            warnings.add(line);
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
            if (spill != null) {
                throw new IllegalStateException("a spilling builder's operations are in its file");
            }
            return new Operations(this);
        }

        /** Hands the records still buffered to the spill; see {@link OperationsFile.Writer}. */
        void flush() {
            if (buffered > 0) {
                spill.write(words, buffered);
                buffered = 0;
            }
        }

        String name() {
            return name;
        }

        int slotCount() {
            return space.next;
        }

        java.util.Map<String, Long> noteMap() {
            return notes;
        }

        java.util.List<String> warningList() {
            return warnings;
        }

        String[] siteNames() {
            return siteIds.isEmpty() ? null : siteIds.keySet().toArray(String[]::new);
        }

        private void append(Kind kind, int slot, long bytes, int alignment) {
            if (bytes < 0 || bytes > MAX_SIZE) {
                throw new IllegalArgumentException("operation " + size + " of " + name + " asks for " + Long.toUnsignedString(bytes)
                        + " bytes; a workload's sizes are from 0 to 2^56 - 1");
            }
            if (alignment < 0 || Integer.bitCount(alignment) > 1) {
                throw new IllegalArgumentException("operation " + size + " of " + name + " asks for an alignment of "
                        + alignment + "; a workload's alignments are powers of two (or 0 where none is asked)");
            }
            if (size == Integer.MAX_VALUE) {
                throw new IllegalStateException("a workload may not have more than " + Integer.MAX_VALUE + " operations");
            }
            if (2 * buffered == words.length) {
                if (spill != null) {
                    flush();
                } else {
                    words = Arrays.copyOf(words, Math.multiplyExact(words.length, 2));
                }
            }
            long code = alignment == 0 ? 0 : Integer.numberOfTrailingZeros(alignment) + 1;
            words[2 * buffered] = bytes | (long) kind.ordinal() << KIND_SHIFT | code << ALIGNMENT_SHIFT;
            words[2 * buffered + 1] = (slot & 0xFFFF_FFFFL) | (long) nextSite << 32;
            nextSite = -1;
            buffered++;
            size++;
        }
    }
}
