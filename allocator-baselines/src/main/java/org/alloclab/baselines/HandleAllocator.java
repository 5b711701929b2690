package org.alloclab.baselines;

import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;

/**
 * What Netty and JDK arenas have in common behind the SPI: an allocation is a Java object (a
 * {@code ByteBuf}, an {@code Arena}) that must be handed back to free it, so the allocator keeps a map
 * from each block's address to its handle — a {@link ConcurrentHashMap}, safe for many threads. A block
 * leaves the map before its handle is released, so two threads freeing the same block cannot both
 * release it, and an address that is not a live block is reported without touching the handle's owner.
 *
 * <h2>Cost</h2>
 * Per live block a map node and a boxed key (about 80 bytes of Java heap with the block record) and one
 * map update per allocation or free. {@code owns()} of a pointer into a block scans the map.
 *
 * @param <B> what the allocator keeps per block
 */
abstract class HandleAllocator<B extends HandleAllocator.Block> extends AbstractAllocator {

    /** A live block and what it takes to free it. */
    interface Block {
        /** Where the caller's bytes start. */
        long address();

        /** Bytes asked for. */
        long size();

        /** Bytes the caller may use from {@link #address()}: at least {@link #size()}. */
        long usable();
    }

    private final ConcurrentHashMap<Long, B> blocks = new ConcurrentHashMap<>();
    private final LiveCounters counters = new LiveCounters();
    private final AtomicLong peakCommitted = new AtomicLong();
    private final Memory memory = SegmentMemory.everything();

    HandleAllocator(String strategy, Set<Capability> capabilities) {
        super(strategy, capabilities);
    }

    // ---- the source of blocks --------------------------------------------------------------------

    /** A new block, or null when the source refuses. */
    abstract B newBlock(long size, long alignment);

    /** Gives a block back to its source. */
    abstract void release(B block);

    /**
     * The block resized to {@code newSize} (in place or moved to {@code DEFAULT_ALIGNMENT}, keeping its
     * contents up to the smaller size), or null with {@code block} untouched. An exception means the
     * block is gone.
     */
    abstract B resize(B block, long newSize);

    /**
     * Reads the source's footprint now: adds its own metrics to {@code extra} (reported after the standard
     * ones) and returns {@code committed_bytes}.
     */
    abstract long footprint(AllocatorStats.Builder extra);

    /** {@code overhead_bytes}. */
    abstract long overheadBytes();

    /** Checks what only the source knows of a live block; returns a fault or null. */
    abstract String check(B block);

    /** Called by {@code close()} once every block is released. */
    abstract void released();

    /** Raises the peak of {@code committed_bytes} to {@code value}, for sources that know it exactly. */
    final void committedNow(long value) {
        LiveCounters.raise(peakCommitted, value);
    }

    // ---- the SPI ---------------------------------------------------------------------------------

    @Override
    public final Memory memory() {
        return memory;
    }

    @Override
    protected final long doAllocate(long size, long alignment) {
        B b = newBlock(size, alignment);
        if (b == null) {
            counters.failed();
            return 0;
        }
        track(b);
        counters.allocated(size);
        return b.address();
    }

    @Override
    protected final void doFree(long address) {
        B b = blocks.remove(address);
        if (b == null) {
            throw invalidFree(address, notLive(address));
        }
        release(b);
        counters.freed(b.size());
    }

    @Override
    protected final long doReallocate(long address, long newSize) {
        B b = blocks.remove(address);
        if (b == null) {
            throw invalidFree(address, notLive(address));
        }
        B resized;
        try {
            resized = resize(b, newSize);
        } catch (RuntimeException e) {
            counters.freed(b.size());   // the source lost the block; the counts follow it
            throw e;
        }
        if (resized == null) {
            blocks.put(address, b);
            counters.failed();
            return 0;
        }
        track(resized);
        counters.resized(b.size(), newSize, resized.address() != address);
        return resized.address();
    }

    private void track(B b) {
        B was = blocks.putIfAbsent(b.address(), b);
        if (was != null) {
            release(b);
            throw new IllegalStateException(strategy() + ": handed out " + Sizes.hex(b.address())
                    + " while it was still live");
        }
    }

    @Override
    protected final long doUsableSize(long address) {
        B b = blocks.get(address);
        if (b == null) {
            throw new IllegalArgumentException(strategy() + ": usableSize(" + Sizes.hex(address) + "): "
                    + notLive(address));
        }
        return b.usable();
    }

    @Override
    protected final boolean doOwns(long address) {
        return blocks.containsKey(address) || containing(address) != null;
    }

    @Override
    protected final void doReset() {
        releaseAll();
    }

    @Override
    protected final void doWalk(HeapVisitor visitor) {
        var live = new ArrayList<>(blocks.values());
        live.sort((a, b) -> Long.compareUnsigned(a.address(), b.address()));
        for (B b : live) {
            visitor.allocated(b.address(), b.usable());
        }
    }

    @Override
    protected final AllocatorStats doStats() {
        var extra = AllocatorStats.builder();
        long committed = LiveCounters.raise(peakCommitted, footprint(extra));
        var b = counters.addLive(AllocatorStats.builder());
        b.bytes(AllocatorStats.COMMITTED_BYTES, committed, "footprint as the source counts it (see the class comment)")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted.get(), "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, committed, "not known apart from committed_bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, overheadBytes(), "bookkeeping inside the managed memory");
        counters.addCounts(b);
        return b.addAll(extra.build()).build();
    }

    @Override
    protected final void doVerify() {
        long bytes = 0;
        long count = 0;
        for (var e : blocks.entrySet()) {
            B b = e.getValue();
            String fault = e.getKey() != b.address() ? "is filed under " + Sizes.hex(e.getKey())
                    : b.usable() < b.size() ? "has usable size " + b.usable() + " below its size " + b.size()
                    : check(b);
            if (fault != null) {
                throw new IllegalStateException(strategy() + ": the block at " + Sizes.hex(b.address()) + " " + fault);
            }
            bytes += b.size();
            count++;
        }
        if (bytes != counters.liveBytes() || count != counters.liveBlocks()) {
            throw new IllegalStateException(strategy() + ": the map holds " + count + " blocks of " + bytes
                    + " bytes, the counters say " + counters.liveBlocks() + " of " + counters.liveBytes());
        }
    }

    @Override
    protected final void doClose() {
        releaseAll();
        released();
    }

    private void releaseAll() {
        for (Long address : blocks.keySet()) {
            B b = blocks.remove(address);
            if (b != null) {
                release(b);
                counters.freed(b.size());
            }
        }
    }

    /** The live block {@code address} points inside (not at its start), or null. */
    private B containing(long address) {
        for (B b : blocks.values()) {
            if (Long.compareUnsigned(address, b.address()) > 0
                    && Long.compareUnsigned(address - b.address(), b.usable()) < 0) {
                return b;
            }
        }
        return null;
    }

    private String notLive(long address) {
        B inside = containing(address);
        return inside != null ? "it points inside the live block at " + Sizes.hex(inside.address())
                : "it is not a live block of this allocator (never handed out, or already freed)";
    }
}
