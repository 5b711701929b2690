package org.alloclab.tck;

import java.util.EnumSet;
import java.util.Map;
import java.util.TreeMap;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * A small, plainly correct strategy for testing the TCK: first fit over one reserved region, with the
 * block and free-span maps kept on the Java heap. Pages are committed as the high-water mark
 * ({@code top}) rises and kept until close.
 * <pre>
 *   base                                             top          committed        limit
 *    | block | free span | block | block | free span |  (untouched) |  (reserved only) |
 * </pre>
 * Block sizes are rounded up to 8 bytes (the usable size). Free spans are coalesced on free. A
 * {@link Mutation} plants one bug, to prove the contract catches it.
 */
final class ReferenceAllocator extends AbstractAllocator {

    /** One planted bug, or none. */
    enum Mutation {
        NONE,
        /** the top advances 8 bytes short after a block of more than 64 usable bytes */
        OVERLAP,
        /** alignments above 64 are served at 64 */
        MISALIGN,
        /** free zeroes the 8 bytes after the block */
        CLOBBER_ON_FREE,
        /** a moving reallocation copies one byte less than it keeps */
        CLOBBER_ON_REALLOC,
        /** live_bytes is one too many once two blocks are live */
        LIVE_BYTES_OFF_BY_ONE,
        /** an allocation needing two new pages or more commits one page short */
        UNCOMMITTED,
        /** close() keeps the region */
        LEAK_ON_CLOSE,
        /** a second free of a block is silently ignored */
        SILENT_DOUBLE_FREE
    }

    private record Block(long size, long usable) {
    }

    private static final long GRANULE = 8;

    private final VirtualMemory vm;
    private final Mutation mutation;
    private final Region region;
    private final long base;
    private final long limit;
    private final TreeMap<Long, Block> blocks = new TreeMap<>();
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private long top;
    private long committedTop;
    private long peakCommitted;
    private long live;
    private long peakLive;
    private long allocations;
    private long failed;

    ReferenceAllocator(String name, VirtualMemory vm, long capacity, Mutation mutation) {
        super(name, EnumSet.of(Capability.FREE, Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET,
                Capability.WALK_BLOCKS));
        this.vm = vm;
        this.mutation = mutation;
        this.region = vm.reserve(capacity);
        if (region == null) {
            throw new IllegalStateException(name + ": could not reserve " + Sizes.format(capacity));
        }
        this.base = region.address();
        this.limit = region.end();
        this.top = base;
        this.committedTop = base;
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        long usable = Sizes.alignUp(size, GRANULE);
        long align = mutation == Mutation.MISALIGN && alignment > 64 ? 64 : alignment;
        for (var span : free.entrySet()) {
            long start = Sizes.alignUp(span.getKey(), align);
            if (start + usable <= span.getKey() + span.getValue()) {
                take(span.getKey(), span.getValue(), start, usable);
                return record(start, size, usable);
            }
        }
        long start = Sizes.alignUp(top, align);
        long end = start + usable;
        if (start < top || end > limit || !ensureCommitted(end)) {
            failed++;
            return 0;
        }
        if (start > top) {
            addFree(top, start - top);
        }
        top = mutation == Mutation.OVERLAP && usable > 64 ? end - 8 : end;
        return record(start, size, usable);
    }

    private long record(long address, long size, long usable) {
        blocks.put(address, new Block(size, usable));
        live += size;
        peakLive = Math.max(peakLive, live);
        allocations++;
        return address;
    }

    private void take(long spanAddress, long spanBytes, long start, long usable) {
        free.remove(spanAddress);
        if (start > spanAddress) {
            free.put(spanAddress, start - spanAddress);
        }
        long spanEnd = spanAddress + spanBytes;
        if (start + usable < spanEnd) {
            free.put(start + usable, spanEnd - start - usable);
        }
    }

    private boolean ensureCommitted(long end) {
        long needed = Sizes.alignUp(end, vm.pageSize());
        if (needed <= committedTop) {
            return true;
        }
        if (mutation == Mutation.UNCOMMITTED && needed - committedTop >= 2 * vm.pageSize()) {
            needed -= vm.pageSize();
        }
        if (!vm.commit(committedTop, needed - committedTop)) {
            return false;
        }
        committedTop = needed;
        peakCommitted = Math.max(peakCommitted, committedTop - base);
        return true;
    }

    private void addFree(long address, long bytes) {
        long start = address;
        long end = address + bytes;
        var before = free.floorEntry(address);
        if (before != null && before.getKey() + before.getValue() == address) {
            start = before.getKey();
            free.remove(start);
        }
        Long after = free.get(end);
        if (after != null) {
            free.remove(end);
            end += after;
        }
        free.put(start, end - start);
    }

    /** The live block at {@code address}, or an {@link org.alloclab.api.InvalidFreeException} saying why not. */
    private Block liveBlock(long address) {
        Block b = blocks.get(address);
        if (b != null) {
            return b;
        }
        if (!doOwns(address)) {
            throw invalidFree(address, "it lies outside this allocator's region " + region);
        }
        var span = free.floorEntry(address);
        if (span != null && address < span.getKey() + span.getValue()) {
            throw invalidFree(address, "it is already free");
        }
        var block = blocks.floorEntry(address);
        if (block != null && address < block.getKey() + block.getValue().usable()) {
            throw invalidFree(address, "it points inside the block at " + Sizes.hex(block.getKey()));
        }
        throw invalidFree(address, "it was never allocated");
    }

    @Override
    protected void doFree(long address) {
        Block b;
        try {
            b = liveBlock(address);
        } catch (IllegalArgumentException e) {
            if (mutation == Mutation.SILENT_DOUBLE_FREE && e.getMessage().contains("already free")) {
                return;
            }
            throw e;
        }
        release(address, b);
        if (mutation == Mutation.CLOBBER_ON_FREE && address + b.usable() + 8 <= top) {
            vm.memory().putLong(address + b.usable(), 0);
        }
    }

    private void release(long address, Block b) {
        blocks.remove(address);
        live -= b.size();
        addFree(address, b.usable());
    }

    @Override
    protected long doReallocate(long address, long newSize) {
        Block b = liveBlock(address);
        long usable = Sizes.alignUp(newSize, GRANULE);
        if (usable <= b.usable()) {
            if (usable < b.usable()) {
                addFree(address + usable, b.usable() - usable);
            }
            return resize(address, b, newSize, usable);
        }
        long end = address + b.usable();
        if (end == top && address + usable <= limit && ensureCommitted(address + usable)) {
            top = address + usable;
            return resize(address, b, newSize, usable);
        }
        Long next = free.get(end);
        if (next != null && b.usable() + next >= usable) {
            take(end, next, end, usable - b.usable());
            return resize(address, b, newSize, usable);
        }
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved == 0) {
            return 0;
        }
        long keep = Math.min(b.size(), newSize);
        vm.memory().copy(address, moved, mutation == Mutation.CLOBBER_ON_REALLOC && keep > 1 ? keep - 1 : keep);
        release(address, b);
        return moved;
    }

    private long resize(long address, Block b, long newSize, long usable) {
        blocks.put(address, new Block(newSize, usable));
        live += newSize - b.size();
        peakLive = Math.max(peakLive, live);
        return address;
    }

    @Override
    protected long doUsableSize(long address) {
        Block b = blocks.get(address);
        if (b == null) {
            throw new IllegalArgumentException(strategy() + ": usableSize(" + Sizes.hex(address)
                    + "): not the address of a live block");
        }
        return b.usable();
    }

    @Override
    protected boolean doOwns(long address) {
        return region.contains(address, 1);
    }

    @Override
    protected void doReset() {
        blocks.clear();
        free.clear();
        top = base;
        live = 0;
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
        var b = blocks.entrySet().iterator();
        var f = free.entrySet().iterator();
        Map.Entry<Long, Block> nb = b.hasNext() ? b.next() : null;
        Map.Entry<Long, Long> nf = f.hasNext() ? f.next() : null;
        while (nb != null || nf != null) {
            if (nf == null || (nb != null && nb.getKey() < nf.getKey())) {
                visitor.allocated(nb.getKey(), nb.getValue().usable());
                nb = b.hasNext() ? b.next() : null;
            } else {
                visitor.free(nf.getKey(), nf.getValue());
                nf = f.hasNext() ? f.next() : null;
            }
        }
    }

    @Override
    protected AllocatorStats doStats() {
        long reportedLive = mutation == Mutation.LIVE_BYTES_OFF_BY_ONE && blocks.size() >= 2 ? live + 1 : live;
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, reportedLive, "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLive, "highest live bytes")
                .count(AllocatorStats.LIVE_BLOCKS, blocks.size(), "live blocks")
                .bytes(AllocatorStats.COMMITTED_BYTES, committedTop - base, "committed bytes")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted, "highest committed bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, region.bytes(), "reserved bytes")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "metadata lives on the Java heap")
                .count(AllocatorStats.ALLOCATIONS, allocations, "successful allocations")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failed, "requests answered with 0")
                .build();
    }

    @Override
    protected void doVerify() {
        if (mutation != Mutation.NONE) {
            return; // a mutant's bug must be caught by the contract's own checks, not by its verify()
        }
        long sum = 0;
        long previousEnd = base;
        boolean previousFree = false;
        var spans = new TreeMap<Long, long[]>(); // address -> {bytes, 1 if free}
        blocks.forEach((a, b) -> spans.put(a, new long[] {b.usable(), 0}));
        for (var e : free.entrySet()) {
            if (spans.put(e.getKey(), new long[] {e.getValue(), 1}) != null) {
                throw new IllegalStateException("a free span and a block both start at " + Sizes.hex(e.getKey()));
            }
        }
        for (var e : spans.entrySet()) {
            long a = e.getKey();
            boolean isFree = e.getValue()[1] == 1;
            if (a < previousEnd) {
                throw new IllegalStateException("span at " + Sizes.hex(a) + " overlaps the one before");
            }
            if (isFree && previousFree && a == previousEnd) {
                throw new IllegalStateException("free spans not coalesced at " + Sizes.hex(a));
            }
            previousEnd = a + e.getValue()[0];
            previousFree = isFree;
        }
        if (previousEnd > top) {
            throw new IllegalStateException("a span ends at " + Sizes.hex(previousEnd) + ", past the top " + Sizes.hex(top));
        }
        for (Block b : blocks.values()) {
            if (b.usable() < b.size() || b.usable() % GRANULE != 0) {
                throw new IllegalStateException("block with size " + b.size() + " has usable size " + b.usable());
            }
            sum += b.size();
        }
        if (sum != live) {
            throw new IllegalStateException("live bytes " + live + " but blocks sum to " + sum);
        }
        if (committedTop > base && !vm.isCommitted(base, committedTop - base)) {
            throw new IllegalStateException("pages below " + Sizes.hex(committedTop) + " are not committed");
        }
    }

    @Override
    protected void doClose() {
        if (mutation != Mutation.LEAK_ON_CLOSE) {
            vm.release(region);
        }
    }
}
