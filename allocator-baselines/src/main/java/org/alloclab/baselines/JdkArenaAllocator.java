package org.alloclab.baselines;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Sizes;

/**
 * {@code jdk-arena}: what plain Java code on JDK 22+ writes to get and free off-heap memory block by
 * block — an {@link Arena} per block, {@code arena.allocate(size, alignment)}, {@code arena.close()}.
 * Underneath, the JDK calls the C library's {@code malloc}, zeroes the segment and registers it with the
 * arena's session; a shared arena's close also makes every thread check that none is using it. So this
 * baseline is glibc's {@code malloc} plus the price of the JDK's safety.
 *
 * <pre>
 *   allocate(size, align)   →  Arena.ofShared() (or ofConfined()), arena.allocate(size, align)
 *   reallocate(p, n)        →  a new arena and segment, copy, close the old arena (never in place)
 *   free(p)                 →  arena.close()
 *   usableSize(p)           →  the segment's size
 *   committed_bytes         =  Σ what the JDK asked malloc for, over live blocks
 * </pre>
 *
 * <h2>Kinds of arena</h2>
 * {@code shared} (the default) may be closed from any thread, so the allocator is
 * {@link Capability#THREAD_SAFE}; closing one is the expensive part. {@code confined} arenas close
 * cheaply but only on the thread that made them, so that allocator is not thread-safe.
 *
 * <h2>Footprint</h2>
 * {@code committed_bytes} is exact and counted here: for each live block, what JDK 25 asks
 * {@code malloc} for (its {@code SegmentFactories}, with default flags) — the size rounded up to 8
 * bytes (it zeroes the memory a {@code long} at a time), plus {@code alignment - 16} when the alignment
 * is above malloc's 16, since it then over-allocates and aligns inside. The C library's own rounding
 * and headers are not seen (the {@code glibc} baseline shows those). The peak is exact too.
 * {@code overhead_bytes} is 0: the session's bookkeeping lives on the Java heap.
 *
 * <h2>Tracking and its cost</h2>
 * A map from address to arena ({@link HandleAllocator}), which is needed anyway to close the right
 * arena. {@code close()} closes every arena still open.
 */
public final class JdkArenaAllocator extends HandleAllocator<JdkArenaAllocator.Segment> {

    /** The alignment {@code malloc} gives and above which the JDK over-allocates. */
    private static final long MALLOC_ALIGNMENT = 16;

    /** Which kind of {@link Arena} each block gets. */
    public enum Kind {
        /** {@link Arena#ofShared()}: closable from any thread; the allocator is thread-safe. */
        SHARED,
        /** {@link Arena#ofConfined()}: closable only by the thread that allocated the block. */
        CONFINED
    }

    /**
     * A live block.
     *
     * @param address   the segment's address
     * @param size      bytes asked for
     * @param arena     the arena that frees it
     * @param requested bytes the JDK asked {@code malloc} for
     */
    record Segment(long address, long size, Arena arena, long requested) implements HandleAllocator.Block {
        @Override
        public long usable() {
            return size;
        }
    }

    private final Kind kind;
    private final AtomicLong requested = new AtomicLong();

    /**
     * An allocator giving each block an arena of {@code kind}.
     *
     * @param kind shared (thread-safe) or confined arenas
     */
    public JdkArenaAllocator(Kind kind) {
        super("jdk-arena", capabilities(kind));
        this.kind = kind;
    }

    private static Set<Capability> capabilities(Kind kind) {
        var c = EnumSet.of(Capability.EXTERNAL_MEMORY, Capability.FREE, Capability.REALLOCATE,
                Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS);
        if (kind == Kind.SHARED) {
            c.add(Capability.THREAD_SAFE);
        }
        return c;
    }

    /** @return the kind of arena each block gets */
    public Kind kind() {
        return kind;
    }

    @Override
    Segment newBlock(long size, long alignment) {
        Arena arena = kind == Kind.SHARED ? Arena.ofShared() : Arena.ofConfined();
        MemorySegment segment;
        try {
            segment = arena.allocate(size, alignment);
        } catch (OutOfMemoryError e) {   // malloc refused, or the JVM's direct memory limit
            arena.close();
            return null;
        }
        long asked = Sizes.alignUp(size, Long.BYTES) + (alignment > MALLOC_ALIGNMENT ? alignment - MALLOC_ALIGNMENT : 0);
        committedNow(requested.addAndGet(asked));
        return new Segment(segment.address(), size, arena, asked);
    }

    @Override
    void release(Segment block) {
        block.arena().close();
        requested.addAndGet(-block.requested());
    }

    @Override
    Segment resize(Segment block, long newSize) {
        Segment moved = newBlock(newSize, DEFAULT_ALIGNMENT);
        if (moved == null) {
            return null;
        }
        memory().copy(block.address(), moved.address(), Math.min(block.size(), newSize));
        release(block);
        return moved;
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        return requested.get();
    }

    @Override
    long overheadBytes() {
        return 0;
    }

    @Override
    String check(Segment block) {
        return block.arena().scope().isAlive() ? null : "has an arena that is already closed";
    }

    @Override
    void released() {
    }
}
