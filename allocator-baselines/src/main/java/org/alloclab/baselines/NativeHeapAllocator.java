package org.alloclab.baselines;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongBinaryOperator;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.Sizes;

/**
 * What glibc and jemalloc have in common behind the SPI: a C heap of {@code malloc}, {@code free},
 * {@code realloc}, an aligned allocation and {@code malloc_usable_size}, over bare addresses, shared by
 * the whole process and safe for many threads. The heap knows nothing of this allocator's blocks as a
 * set, so an {@link AddressTable} does: every free and reallocation is checked against it before the
 * native call, and the native call is made only for a block the table gave up — two threads freeing the
 * same block cannot both reach the heap.
 *
 * <p>{@code reset()} and {@code close()} free every block in the table; {@code close()} then asks the
 * heap to give unused memory back to the system ({@link #released()}). {@code verify()} checks the table
 * and asks the heap for each block's usable size; like every strategy's, it expects no other thread to
 * change the heap meanwhile.
 */
abstract class NativeHeapAllocator extends AbstractAllocator {

    /** What both heaps support. */
    static final Set<Capability> CAPABILITIES = EnumSet.of(Capability.EXTERNAL_MEMORY, Capability.FREE,
            Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS,
            Capability.THREAD_SAFE);

    private final AddressTable blocks = new AddressTable();
    private final LiveCounters counters = new LiveCounters();
    private final AtomicLong peakCommitted = new AtomicLong();
    private final Memory memory = SegmentMemory.everything();

    /**
     * A heap's four calls, for an allocator that adds nothing to them: {@code malloc} (size, alignment → block
     * or 0), {@code realloc} (block, size → block or 0), {@code free}, {@code malloc_usable_size}.
     */
    record Calls(LongBinaryOperator allocate, LongBinaryOperator reallocate, LongConsumer free,
                 LongUnaryOperator usableSize) {
    }

    private final Calls calls;

    /** An allocator whose heap calls are {@code calls}. */
    NativeHeapAllocator(String strategy, Calls calls) {
        super(strategy, CAPABILITIES);
        this.calls = calls;
    }

    /** An allocator that overrides the four {@code native…} methods. */
    NativeHeapAllocator(String strategy) {
        this(strategy, null);
    }

    // ---- the heap --------------------------------------------------------------------------------

    /** A block of {@code size} bytes aligned to {@code alignment}, or 0. */
    long nativeAllocate(long size, long alignment) {
        return calls.allocate().applyAsLong(size, alignment);
    }

    /** {@code realloc}: the block's new address, or 0 with the old block untouched. */
    long nativeReallocate(long address, long newSize) {
        return calls.reallocate().applyAsLong(address, newSize);
    }

    /** {@code free} of a live block. */
    void nativeFree(long address) {
        calls.free().accept(address);
    }

    /** {@code malloc_usable_size} of a live block. */
    long nativeUsableSize(long address) {
        return calls.usableSize().applyAsLong(address);
    }

    /**
     * Reads the heap's footprint now: adds the heap's own metrics to {@code extra} (reported after the
     * standard ones) and returns {@code committed_bytes}, the growth since this allocator was created.
     */
    abstract long footprint(AllocatorStats.Builder extra);

    /**
     * The footprint of a heap whose address space is known ({@link AddressRanges}, from its own hooks): the
     * resident pages of {@code ranges} grown since {@code base}, added to {@code extra} as {@code resident_bytes}
     * ({@code whence} says where the ranges come from) with {@code address_space_bytes}. When {@code fault} says
     * the ranges cannot be trusted, {@code ownMeasure} instead, and one line on stderr per process
     * ({@code told}) says why.
     */
    static long residentFootprint(AllocatorStats.Builder extra, AddressRanges ranges, long base, String whence,
                                  String fault, long ownMeasure, AtomicBoolean told, String ownMeasureIs) {
        if (fault != null) {
            if (told.compareAndSet(false, true)) {
                System.err.println("alloclab: " + ownMeasureIs + ": " + fault);
            }
            return ownMeasure;
        }
        long resident = Math.max(0, ranges.resident() - base);
        extra.bytes("resident_bytes", resident, "resident pages (mincore) of " + whence)
                .bytes("address_space_bytes", ranges.bytes(), "address space those ranges hold, absolute");
        return resident;
    }

    /** Bookkeeping bytes inside the heap for the live blocks, as far as the heap tells: none by default (no header beside a block). */
    long overheadBytes(long liveBlocks) {
        return 0;
    }

    /** Called by {@code close()} after every block is freed: give unused memory back to the system. */
    abstract void released();

    // ---- the SPI ---------------------------------------------------------------------------------

    @Override
    public final Memory memory() {
        return memory;
    }

    @Override
    protected final long doAllocate(long size, long alignment) {
        long address = nativeAllocate(size, alignment);
        if (address == 0) {
            counters.failed();
            return 0;
        }
        blocks.put(address, size);
        counters.allocated(size);
        return address;
    }

    @Override
    protected final void doFree(long address) {
        long size = blocks.remove(address);
        if (size < 0) {
            throw invalidFree(address, notLive(address));
        }
        nativeFree(address);
        counters.freed(size);
    }

    @Override
    protected final long doReallocate(long address, long newSize) {
        long size = blocks.remove(address);
        if (size < 0) {
            throw invalidFree(address, notLive(address));
        }
        long moved = nativeReallocate(address, newSize);
        if (moved == 0) {
            blocks.put(address, size);
            counters.failed();
            return 0;
        }
        blocks.put(moved, newSize);
        counters.resized(size, newSize, moved != address);
        return moved;
    }

    @Override
    protected final long doUsableSize(long address) {
        long usable = blocks.ask(address, (a, size) -> nativeUsableSize(a));
        if (usable < 0) {
            throw new IllegalArgumentException(strategy() + ": usableSize(" + Sizes.hex(address) + "): "
                    + notLive(address));
        }
        return usable;
    }

    @Override
    protected final boolean doOwns(long address) {
        return blocks.sizeOf(address) >= 0 || blocks.blockContaining(address) != 0;
    }

    @Override
    protected final void doReset() {
        freeAll();
    }

    /** Every live block with its usable size (asked while the block cannot be freed), in address order. */
    @Override
    protected final void doWalk(HeapVisitor visitor) {
        var spans = new ArrayList<long[]>();
        blocks.forEach((address, size) -> spans.add(new long[] {address, nativeUsableSize(address)}));
        spans.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        for (long[] s : spans) {
            visitor.allocated(s[0], s[1]);
        }
    }

    @Override
    protected final AllocatorStats doStats() {
        var extra = AllocatorStats.builder();
        long committed = LiveCounters.raise(peakCommitted, footprint(extra));
        var b = counters.addLive(AllocatorStats.builder());
        b.bytes(AllocatorStats.COMMITTED_BYTES, committed, "heap footprint grown since creation (see the class comment)")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted.get(), "highest committed_bytes a stats() call saw")
                .bytes(AllocatorStats.RESERVED_BYTES, committed, "not known apart from committed_bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, overheadBytes(counters.liveBlocks()), "per-block bookkeeping inside the heap");
        counters.addCounts(b);
        return b.addAll(extra.build()).build();
    }

    @Override
    protected final void doVerify() {
        blocks.verify();
        long[] sum = new long[2];
        List<String> faults = new ArrayList<>(1);
        blocks.forEach((address, size) -> {
            sum[0] += size;
            sum[1]++;
            long usable = nativeUsableSize(address);
            if (usable < size && faults.isEmpty()) {
                faults.add("the block at " + Sizes.hex(address) + " of " + size + " bytes has usable size " + usable);
            }
        });
        if (!faults.isEmpty()) {
            throw new IllegalStateException(strategy() + ": " + faults.getFirst());
        }
        if (sum[0] != counters.liveBytes() || sum[1] != counters.liveBlocks()) {
            throw new IllegalStateException(strategy() + ": the table holds " + sum[1] + " blocks of " + sum[0]
                    + " bytes, the counters say " + counters.liveBlocks() + " of " + counters.liveBytes());
        }
    }

    @Override
    protected final void doClose() {
        freeAll();
        released();
    }

    private void freeAll() {
        blocks.drain((address, size) -> {
            nativeFree(address);
            counters.freed(size);
        });
    }

    /** Why {@code address} is not a live block, for an error message. */
    private String notLive(long address) {
        long start = blocks.blockContaining(address);
        return start != 0 ? "it points inside the live block at " + Sizes.hex(start)
                : "it is not a live block of this allocator (never handed out, or already freed)";
    }
}
