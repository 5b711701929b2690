package org.alloclab.api;

import java.lang.foreign.Arena;
import java.util.BitSet;
import java.util.EnumSet;

/**
 * A deliberately thread-unsafe allocator for the tests of {@link LockingAllocator}: fixed 256-byte blocks
 * over one native segment, a bump index for blocks never used, and a stack of freed ones — every field
 * read and written without any synchronisation. Between reading its state and writing it back it waits a
 * little ({@link Thread#onSpinWait()}), which makes the lost update that breaks such code under
 * contention (two threads popping the same freed block, or bumping to the same one) likely within a few
 * thousand calls, so a test without the lock fails reliably and quickly. Declares {@link Capability#FREE}
 * and not {@link Capability#THREAD_SAFE}.
 */
final class UnsafeSlabAllocator extends AbstractAllocator {

    static final int BLOCK = 256;

    private final Arena arena = Arena.ofShared();
    private final SegmentMemory memory;
    private final long base;
    private final int capacity;
    private final int[] freed;
    private int freedTop;
    private int next;
    private long live;

    UnsafeSlabAllocator(int blocks) {
        super("test.unsafe-slab", EnumSet.of(Capability.FREE));
        var segment = arena.allocate((long) blocks * BLOCK, 4096);
        this.memory = new SegmentMemory(segment);
        this.base = segment.address();
        this.capacity = blocks;
        this.freed = new int[blocks];
    }

    @Override
    public Memory memory() {
        return memory;
    }

    @Override
    protected long doAllocate(long size, long alignment) {
        if (size > BLOCK || alignment > BLOCK) {
            return 0;
        }
        int index;
        int top = freedTop;
        if (top > 0) {
            index = freed[top - 1];
            window();
            freedTop = top - 1;
        } else {
            index = next;
            if (index >= capacity) {
                return 0;
            }
            window();
            next = index + 1;
        }
        live += BLOCK;
        return base + (long) index * BLOCK;
    }

    @Override
    protected void doFree(long address) {
        long offset = address - base;
        if (offset < 0 || offset % BLOCK != 0 || offset / BLOCK >= next) {
            throw invalidFree(address, "it is not a block of this slab");
        }
        int top = freedTop;
        freed[top] = (int) (offset / BLOCK);
        window();
        freedTop = top + 1;
        live -= BLOCK;
    }

    private static void window() {
        for (int i = 0; i < 20; i++) {
            Thread.onSpinWait();
        }
    }

    @Override
    protected boolean doOwns(long address) {
        return address >= base && address < base + (long) capacity * BLOCK;
    }

    @Override
    protected void doWalk(HeapVisitor visitor) {
    }

    @Override
    protected AllocatorStats doStats() {
        return AllocatorStats.builder().bytes(AllocatorStats.LIVE_BYTES, live, "bytes in live blocks").build();
    }

    /** No block is on the freed stack twice, and every one there was handed out once. */
    @Override
    protected void doVerify() {
        var seen = new BitSet(capacity);
        for (int i = 0; i < freedTop; i++) {
            int index = freed[i];
            if (index < 0 || index >= next || seen.get(index)) {
                throw new IllegalStateException("freed stack entry " + i + " is block " + index
                        + (seen.get(index) ? ", already on the stack" : ", never handed out"));
            }
            seen.set(index);
        }
    }

    @Override
    protected void doClose() {
        arena.close();
    }
}
