package org.alloclab.scoped;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
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
 * An arena (a region, in the literature): blocks are bumped out of chunks linked as the arena grows, and
 * all of them die at once on {@link #reset()}. A chunk is a region of the virtual memory, committed when
 * the arena takes it. Chunks double in size as the arena grows, from {@code chunk-size} to
 * {@code max-chunk-size}; a request too large for that gets a chunk of its own, sized to fit.
 *
 * <pre>
 *   in use (in the order taken)                                        pool (kept across resets)
 *   +----------------------+   +-----------------------------+        +------------+  +------------------+
 *   | blocks ...  |  spare |-->| blocks ...      | free      |        | committed, |  | committed,       |
 *   +----------------------+   +-----------------------------+        | empty      |  | empty            |
 *    chunk 1 (64 KiB)            chunk 2 (128 KiB), current: top -->   +------------+  +------------------+
 * </pre>
 *
 * <p>A reset returns every chunk to the pool, where the next growth finds it again without a system call:
 * chunks are recycled across resets, as a server's request arena is. The pool keeps at most
 * {@code retain} bytes; chunks beyond that are released at the reset. The spare end of a chunk left
 * behind when a request does not fit is the arena's fragmentation ({@code spare_bytes}).
 *
 * <p>Zero bytes of overhead per block: what the arena knows of its chunks is kept on the Java heap. So a
 * block's size is not known, only the last block's ({@code top - lastStart}): reallocation is in place for
 * the last block of the current chunk while it fits, and otherwise moves the block, copying what can have
 * belonged to it. Not thread-safe.
 */
public final class ArenaAllocator extends AbstractAllocator {

    /** The stable name. */
    public static final String NAME = "arena";

    /** One chunk: a committed region, and how far blocks have been bumped in it. */
    private static final class Chunk {
        final Region region;
        long top;
        long lastStart;

        Chunk(Region region) {
            this.region = region;
            this.top = region.address();
        }

        long spare() {
            return region.end() - top;
        }
    }

    private final VirtualMemory vm;
    private final long firstChunk;
    private final long maxChunk;
    private final long retain;

    private final List<Chunk> inUse = new ArrayList<>();
    private final TreeMap<Long, Chunk> byAddress = new TreeMap<>();
    private final List<Chunk> pool = new ArrayList<>();
    private Chunk current;
    private long nextChunkSize;

    private long liveBytes;
    private long peakLiveBytes;
    private long committed;
    private long peakCommitted;
    private long allocations;
    private long failedAllocations;
    private long resets;
    private long chunksReserved;
    private long chunksReused;
    private long chunksReleased;

    /**
     * An arena over {@code vm}.
     *
     * @param firstChunk bytes of the first chunk (rounded up to pages)
     * @param maxChunk   the largest chunk growth makes; a larger request gets a chunk of its own
     * @param retain     bytes of chunks kept in the pool across resets
     */
    public ArenaAllocator(VirtualMemory vm, long firstChunk, long maxChunk, long retain) {
        super(NAME, EnumSet.of(Capability.REALLOCATE, Capability.RESET));
        if (firstChunk < 1 || maxChunk < firstChunk || retain < 0) {
            throw new IllegalArgumentException(NAME + ": needs 0 < chunk-size <= max-chunk-size and retain >= 0, was "
                    + firstChunk + ", " + maxChunk + ", " + retain);
        }
        this.vm = vm;
        this.firstChunk = Sizes.alignUp(firstChunk, vm.pageSize());
        this.maxChunk = Sizes.alignUp(maxChunk, vm.pageSize());
        this.retain = retain;
        this.nextChunkSize = this.firstChunk;
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    // ---- allocation --------------------------------------------------------------------------------

    @Override
    protected long doAllocate(long size, long alignment) {
        if (current != null) {
            long start = Sizes.alignUp(current.top, alignment);
            if (start + size <= current.region.end() && start >= current.top) {
                return bump(current, start, size);
            }
        }
        Chunk c = takeChunk(size + alignment - 1);
        if (c == null) {
            failedAllocations++;
            return 0;
        }
        return bump(c, Sizes.alignUp(c.top, alignment), size);
    }

    private long bump(Chunk c, long start, long size) {
        c.lastStart = start;
        c.top = start + size;
        allocations++;
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return start;
    }

    /**
     * A chunk with at least {@code need} bytes: the smallest fitting one from the pool, else a new one of
     * the growth size (or of its own size, for a large request). It becomes the current chunk only when it
     * has more room left than the current one, so a large request does not strand the current chunk's
     * spare bytes. Null when the virtual memory refuses.
     */
    private Chunk takeChunk(long need) {
        Chunk c = fromPool(need);
        if (c == null) {
            long bytes = need > maxChunk ? Sizes.alignUp(need, vm.pageSize()) : Math.max(nextChunkSize, Sizes.alignUp(need, vm.pageSize()));
            Region r = Chunks.reserveCommitted(vm, bytes);
            if (r == null) {
                return null;
            }
            c = new Chunk(r);
            chunksReserved++;
            committed += r.bytes();
            peakCommitted = Math.max(peakCommitted, committed);
            if (bytes <= maxChunk) {
                nextChunkSize = Math.min(maxChunk, nextChunkSize * 2);
            }
        } else {
            chunksReused++;
        }
        inUse.add(c);
        byAddress.put(c.region.address(), c);
        if (current == null || c.region.bytes() - need > current.spare()) {
            current = c;
        }
        return c;
    }

    private Chunk fromPool(long need) {
        int best = -1;
        for (int i = 0; i < pool.size(); i++) {
            long bytes = pool.get(i).region.bytes();
            if (bytes >= need && (best < 0 || bytes < pool.get(best).region.bytes())) {
                best = i;
            }
        }
        return best < 0 ? null : pool.remove(best);
    }

    // ---- reallocation, ownership -------------------------------------------------------------------

    @Override
    protected long doReallocate(long address, long newSize) {
        Chunk c = chunkOf(address);
        if (c == null || address >= c.top) {
            throw invalidFree(address, c == null ? "it lies in none of the arena's chunks"
                    : "it lies past the last block handed out in its chunk");
        }
        if (address == c.lastStart && address + newSize <= c.region.end()) {
            liveBytes += newSize - (c.top - address);
            peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
            c.top = address + newSize;
            return address;
        }
        long available = c.top - address;
        long moved = doAllocate(newSize, DEFAULT_ALIGNMENT);
        if (moved != 0) {
            vm.memory().copy(address, moved, Math.min(newSize, available));
        }
        return moved;
    }

    private Chunk chunkOf(long address) {
        Map.Entry<Long, Chunk> e = byAddress.floorEntry(address);
        return e != null && e.getValue().region.contains(address, 1) ? e.getValue() : null;
    }

    @Override
    protected boolean doOwns(long address) {
        return chunkOf(address) != null;
    }

    // ---- reset, close ------------------------------------------------------------------------------

    /** Every block dies; chunks go to the pool, largest first, up to {@code retain} bytes, the rest back to the system. */
    @Override
    protected void doReset() {
        resets++;
        var all = new ArrayList<>(pool);
        all.addAll(inUse);
        all.sort((a, b) -> Long.compare(b.region.bytes(), a.region.bytes()));
        pool.clear();
        long kept = 0;
        for (Chunk c : all) {
            if (kept + c.region.bytes() <= retain) {
                c.top = c.region.address();
                c.lastStart = 0;
                pool.add(c);
                kept += c.region.bytes();
            } else {
                release(c);
            }
        }
        inUse.clear();
        byAddress.clear();
        current = null;
        liveBytes = 0;
        nextChunkSize = firstChunk;
    }

    private void release(Chunk c) {
        vm.release(c.region);
        committed -= c.region.bytes();
        chunksReleased++;
    }

    @Override
    protected void doClose() {
        for (Chunk c : inUse) {
            release(c);
        }
        for (Chunk c : pool) {
            release(c);
        }
        inUse.clear();
        pool.clear();
        byAddress.clear();
        current = null;
    }

    // ---- walk, stats, verify -----------------------------------------------------------------------

    /**
     * Each chunk in use as one held span and its spare end, pooled chunks as free spans, in address order.
     * Blocks are not told apart (nothing records them), so the arena does not declare {@link Capability#WALK_BLOCKS}.
     */
    @Override
    protected void doWalk(HeapVisitor visitor) {
        var spans = new TreeMap<Long, long[]>();
        for (Chunk c : inUse) {
            long start = c.region.address();
            if (c.top > start) {
                spans.put(start, new long[] {c.top - start, 1});
            }
            if (c.spare() > 0) {
                spans.put(c.top, new long[] {c.spare(), 0});
            }
        }
        for (Chunk c : pool) {
            spans.put(c.region.address(), new long[] {c.region.bytes(), 0});
        }
        spans.forEach((address, s) -> {
            if (s[1] == 1) {
                visitor.allocated(address, s[0]);
            } else {
                visitor.free(address, s[0]);
            }
        });
    }

    @Override
    protected AllocatorStats doStats() {
        long spare = 0;
        for (Chunk c : inUse) {
            if (c != current) {
                spare += c.spare();
            }
        }
        long pooled = pool.stream().mapToLong(c -> c.region.bytes()).sum();
        return AllocatorStats.builder()
                .bytes(AllocatorStats.LIVE_BYTES, liveBytes, "requested bytes held since the last reset")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes, "highest live_bytes")
                .bytes(AllocatorStats.COMMITTED_BYTES, committed, "bytes of every chunk, in use or pooled (chunks are committed whole)")
                .bytes(AllocatorStats.PEAK_COMMITTED_BYTES, peakCommitted, "highest committed_bytes")
                .bytes(AllocatorStats.RESERVED_BYTES, committed, "address space held: the chunks")
                .bytes(AllocatorStats.OVERHEAD_BYTES, 0, "bookkeeping inside managed memory: none")
                .bytes("spare_bytes", spare, "unused ends of chunks left behind: the arena's fragmentation")
                .bytes("pooled_bytes", pooled, "bytes of chunks kept across resets, empty")
                .count(AllocatorStats.ALLOCATIONS, allocations, "blocks handed out, moved reallocations included")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations, "requests that returned 0")
                .count("resets", resets, "calls of reset()")
                .count("chunks_in_use", inUse.size(), "chunks holding blocks since the last reset")
                .count("chunks_pooled", pool.size(), "chunks kept for reuse")
                .count("chunks_reserved", chunksReserved, "chunks taken from the virtual memory")
                .count("chunks_reused", chunksReused, "chunks taken from the pool instead: a reserve and a commit saved")
                .count("chunks_released", chunksReleased, "chunks given back to the virtual memory")
                .build();
    }

    @Override
    protected void doVerify() {
        long sum = 0;
        for (Chunk c : inUse) {
            check(c.top >= c.region.address() && c.top <= c.region.end(), "a chunk's top lies inside it", c);
            check(c.lastStart == 0 || (c.lastStart >= c.region.address() && c.lastStart <= c.top),
                    "a chunk's last block starts below its top", c);
            check(byAddress.get(c.region.address()) == c, "a chunk in use is in the address index", c);
            check(vm.isCommitted(c.region.address(), c.region.bytes()), "a chunk in use is committed", c);
            sum += c.region.bytes();
        }
        for (Chunk c : pool) {
            check(c.top == c.region.address(), "a pooled chunk is empty", c);
            check(!byAddress.containsKey(c.region.address()), "a pooled chunk is not in use", c);
            check(vm.isCommitted(c.region.address(), c.region.bytes()), "a pooled chunk is committed", c);
            sum += c.region.bytes();
        }
        check(byAddress.size() == inUse.size(), "the address index holds exactly the chunks in use", null);
        check(sum == committed, "committed bytes are the chunks' bytes", null);
        check(current == null || inUse.contains(current), "the current chunk is in use", current);
        long held = inUse.stream().mapToLong(c -> c.top - c.region.address()).sum();
        check(liveBytes >= 0 && liveBytes <= held, "live bytes fit in what the chunks hold", null);
    }

    private void check(boolean ok, String what, Chunk c) {
        if (!ok) {
            throw new IllegalStateException(NAME + ": broken invariant: " + what
                    + (c == null ? "" : " (chunk at " + Sizes.hex(c.region.address()) + ", " + c.region.bytes() + " bytes)"));
        }
    }

    @Override
    public String toString() {
        return NAME + " (" + inUse.size() + " chunks in use, " + pool.size() + " pooled)";
    }
}
