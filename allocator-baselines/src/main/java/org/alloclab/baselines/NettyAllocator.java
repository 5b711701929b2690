package org.alloclab.baselines;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Sizes;

/**
 * {@code netty}: Netty's {@link PooledByteBufAllocator} for direct buffers — jemalloc's design written
 * in Java (arenas of 4 MiB chunks cut into runs of 8 KiB pages and subpages of size classes, per-thread
 * caches), the allocator under most of the JVM's network servers.
 *
 * <pre>
 *   allocate(size, align)   →  directBuffer(size)                  when the buffer's address is aligned
 *                              directBuffer(size + align - 1)      otherwise: aligned inside the buffer
 *   reallocate(p, n)        →  buffer.capacity(n)                  Netty's own: in place within the
 *                                                                  size class, else moved and copied
 *   free(p)                 →  buffer.release()
 *   usableSize(p)           →  buffer capacity from p
 *   committed_bytes         =  metric().usedDirectMemory()         chunks held by the pool's arenas
 * </pre>
 *
 * <h2>One pool per process</h2>
 * A server shares one {@code PooledByteBufAllocator} ({@code PooledByteBufAllocator.DEFAULT}), and has
 * to: Netty cannot destroy a pool's arenas, whose chunks go back to the system only when the garbage
 * collector finalizes an unreachable pool — a contract run making thousands of pools would hold
 * gigabytes meanwhile. So {@link #shared} keeps one pool per set of parameters for the process, and
 * every {@code netty} allocator with those parameters draws from it; {@code close()} releases the
 * allocator's buffers and frees the calling thread's cache, and the pool keeps its chunks for the next.
 *
 * <h2>Alignment</h2>
 * Netty promises no alignment; in practice its chunks come from {@code malloc} (16-aligned) and runs and
 * subpage elements lie at multiples of 16 inside them. A request is first made for {@code size} bytes;
 * when the buffer's address is not aligned as asked (every alignment above 16, as a rule) the buffer is
 * released and {@code size + align - 1} bytes are asked for instead, the block placed at the first
 * aligned address inside, and the real buffer kept for the free. The extra bytes of live blocks are
 * reported as {@code alignment_padding_bytes}. A reallocation of a padded block is done by allocating,
 * copying and releasing; an unpadded one is Netty's own, which moves it (when it must) to another
 * buffer address, a multiple of 16 like every other. Netty's capacities are
 * {@code int}s: a block needing more than 2 GiB - 1 bytes with its padding is refused (0).
 *
 * <h2>Footprint</h2>
 * {@code committed_bytes} is Netty's own metric, {@code usedDirectMemory()}: the bytes of every chunk the
 * pool's arenas hold (busy or not) plus buffers too large for a chunk — what Netty took from the system,
 * as {@code committed_bytes} is for alloclab's strategies. It is the whole pool's: the first allocator of
 * a set of parameters in a process starts from 0, later ones from the chunks earlier ones left (Netty
 * keeps a chunk that never passed a quarter full, and frees others once empty), as a long-running server
 * would; allocators alive at once with the same parameters see each other's. It is never below the live
 * bytes, as a growth since creation could be. Netty's {@code pinnedDirectMemory()} — the size-class
 * slots of live buffers, the pool's too — is reported as {@code pinned_bytes}. {@code overhead_bytes} is 0: Netty keeps
 * its metadata (chunk trees, subpage bitmaps) on the Java heap.
 *
 * <h2>Tracking and its cost</h2>
 * A map from address to buffer ({@link HandleAllocator}), which Netty needs anyway to free a buffer by
 * address.
 *
 * <p>Thread-safe, as Netty's allocator is.
 */
public final class NettyAllocator extends HandleAllocator<NettyAllocator.Buffer> {

    /** The largest buffer Netty makes: capacities are {@code int}s. */
    private static final long MAX_BUFFER = Integer.MAX_VALUE;

    /** The alignment Netty's direct buffers have in practice; above it a request is padded at once. */
    private static final long USUAL_ALIGNMENT = 16;

    /**
     * A live block: a buffer and where in it the block starts.
     *
     * @param address where the caller's bytes start
     * @param size    bytes asked for
     * @param buffer  the Netty buffer holding them
     * @param base    the buffer's own address; {@code address - base} bytes of padding precede the block
     */
    record Buffer(long address, long size, ByteBuf buffer, long base) implements HandleAllocator.Block {
        @Override
        public long usable() {
            return buffer.capacity() - (address - base);
        }

        long padding() {
            return buffer.capacity() - size;
        }
    }

    /**
     * The parameters of a pool.
     *
     * @param arenas       direct arenas; 0 for Netty's default (twice the processors, bounded by memory)
     * @param pageSize     Netty's page, a power of two of at least 4 KiB
     * @param maxOrder     chunks are {@code pageSize << maxOrder} bytes, at most 1 GiB
     * @param threadCaches whether every thread gets a cache (Netty gives one only to its own event-loop
     *                     threads unless told otherwise)
     */
    public record PoolSettings(int arenas, int pageSize, int maxOrder, boolean threadCaches) {
    }

    private static final ConcurrentHashMap<PoolSettings, PooledByteBufAllocator> POOLS = new ConcurrentHashMap<>();

    private final PooledByteBufAllocator pool;
    private final AtomicLong padding = new AtomicLong();

    /**
     * An allocator drawing direct buffers from {@code pool} — {@code PooledByteBufAllocator.DEFAULT}, or
     * one of {@link #shared}'s.
     *
     * @param pool where buffers come from; this allocator never destroys it
     */
    public NettyAllocator(PooledByteBufAllocator pool) {
        super("netty", EnumSet.of(Capability.EXTERNAL_MEMORY, Capability.FREE, Capability.REALLOCATE,
                Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS, Capability.THREAD_SAFE));
        this.pool = pool;
    }

    /**
     * An allocator over the process's pool for {@code settings}, made on first use.
     *
     * @param settings the pool's parameters
     * @return a new allocator over that pool
     * @throws IllegalArgumentException from Netty when the settings are invalid
     */
    public static NettyAllocator shared(PoolSettings settings) {
        return new NettyAllocator(POOLS.computeIfAbsent(settings, s -> new PooledByteBufAllocator(true, 0,
                s.arenas() > 0 ? s.arenas() : PooledByteBufAllocator.defaultNumDirectArena(), s.pageSize(),
                s.maxOrder(), PooledByteBufAllocator.defaultSmallCacheSize(),
                PooledByteBufAllocator.defaultNormalCacheSize(), s.threadCaches(), 0)));
    }

    @Override
    Buffer newBlock(long size, long alignment) {
        if (alignment <= USUAL_ALIGNMENT) {
            ByteBuf buffer = buffer(size);
            if (buffer == null) {
                return null;
            }
            long base = addressOf(buffer);
            if (base % alignment == 0) {
                return new Buffer(base, size, buffer, base);
            }
            buffer.release();
        }
        return padded(size, alignment);
    }

    /** A buffer of {@code size + alignment - 1} bytes with the block at its first aligned address. */
    private Buffer padded(long size, long alignment) {
        ByteBuf buffer = buffer(size + alignment - 1);
        if (buffer == null) {
            return null;
        }
        long base = addressOf(buffer);
        Buffer b = new Buffer(Sizes.alignUp(base, alignment), size, buffer, base);
        padding.addAndGet(b.padding());
        return b;
    }

    /** A direct buffer of {@code capacity} bytes, or null when Netty (or the JVM's direct memory) refuses. */
    private ByteBuf buffer(long capacity) {
        if (capacity > MAX_BUFFER) {
            return null;
        }
        try {
            return pool.directBuffer((int) capacity);
        } catch (OutOfMemoryError e) {   // Netty's OutOfDirectMemoryError, or the JVM's direct memory limit
            return null;
        }
    }

    @Override
    void release(Buffer block) {
        if (block.address() != block.base()) {
            padding.addAndGet(-block.padding());
        }
        block.buffer().release();
    }

    @Override
    Buffer resize(Buffer block, long newSize) {
        if (block.address() == block.base() && newSize <= MAX_BUFFER) {
            ByteBuf buffer = block.buffer();
            try {
                buffer.capacity((int) newSize);
            } catch (OutOfMemoryError e) {
                return null;
            }
            long base = addressOf(buffer);
            if (base % DEFAULT_ALIGNMENT != 0) {   // Netty's buffers lie at multiples of 16 in malloc'd chunks
                buffer.release();
                throw new IllegalStateException("netty: a reallocation moved a block to " + Sizes.hex(base)
                        + ", which is not " + DEFAULT_ALIGNMENT + "-aligned; the block is lost");
            }
            return new Buffer(base, newSize, buffer, base);
        }
        Buffer moved = newBlock(newSize, DEFAULT_ALIGNMENT);
        if (moved == null) {
            return null;
        }
        memory().copy(block.address(), moved.address(), Math.min(block.size(), newSize));
        release(block);
        return moved;
    }

    private static long addressOf(ByteBuf buffer) {
        return buffer.hasMemoryAddress() ? buffer.memoryAddress()
                : MemorySegment.ofBuffer(buffer.nioBuffer(0, buffer.capacity())).address();
    }

    @Override
    long footprint(AllocatorStats.Builder extra) {
        extra.bytes("pinned_bytes", pool.pinnedDirectMemory(), "Netty's pinnedDirectMemory: size-class slots of the pool's live buffers")
                .bytes("alignment_padding_bytes", padding.get(), "bytes over-allocated to align blocks inside buffers")
                .bytes("chunk_bytes", pool.metric().chunkSize(), "the size of one of Netty's chunks");
        return pool.metric().usedDirectMemory();   // the whole pool's: see the class comment
    }

    @Override
    long overheadBytes() {
        return 0;
    }

    @Override
    String check(Buffer block) {
        if (block.buffer().refCnt() != 1) {
            return "has a buffer with reference count " + block.buffer().refCnt();
        }
        return null;
    }

    /**
     * Empties the calling thread's cache into the pool, so the next allocator on the pool starts without
     * this one's cached buffers. Deprecated in Netty without a replacement; {@code trimCurrentThreadCache()}
     * keeps what was used since its last call.
     */
    @Override
    @SuppressWarnings("deprecation")
    void released() {
        pool.freeThreadLocalCache();
    }
}
