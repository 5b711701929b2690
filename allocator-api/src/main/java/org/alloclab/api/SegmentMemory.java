package org.alloclab.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@link Memory} over one native {@link MemorySegment}: addresses are absolute, and an access outside
 * the segment throws {@link IndexOutOfBoundsException} from the FFM bounds check instead of touching
 * memory that is not the segment's. Over {@code MemorySegment.NULL.reinterpret(Long.MAX_VALUE)} it
 * reaches all of the process's memory, unchecked.
 */
public final class SegmentMemory implements Memory {

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment segment;
    private final long base;

    /** A view of {@code segment}, which must be native. */
    public SegmentMemory(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a SegmentMemory needs a native segment, not a heap one");
        }
        this.segment = segment;
        this.base = segment.address();
    }

    /** The process's whole address space, unchecked: touching an unmapped page faults. */
    public static SegmentMemory everything() {
        return new SegmentMemory(MemorySegment.NULL.reinterpret(Long.MAX_VALUE));
    }

    @Override
    public byte getByte(long address) {
        return segment.get(ValueLayout.JAVA_BYTE, address - base);
    }

    @Override
    public void putByte(long address, byte value) {
        segment.set(ValueLayout.JAVA_BYTE, address - base, value);
    }

    @Override
    public int getInt(long address) {
        return segment.get(INT, address - base);
    }

    @Override
    public void putInt(long address, int value) {
        segment.set(INT, address - base, value);
    }

    @Override
    public long getLong(long address) {
        return segment.get(LONG, address - base);
    }

    @Override
    public void putLong(long address, long value) {
        segment.set(LONG, address - base, value);
    }

    @Override
    public void fill(long address, long bytes, byte value) {
        segment.asSlice(address - base, bytes).fill(value);
    }

    @Override
    public void copy(long from, long to, long bytes) {
        MemorySegment.copy(segment, from - base, segment, to - base, bytes);
    }
}
