package org.alloclab.api;

/**
 * Receives the spans of an allocator's heap, in address order, from {@link Allocator#walk(HeapVisitor)}.
 * Spans never overlap. Memory the strategy manages but that is neither (headers, padding, unreserved
 * gaps) is simply not reported.
 */
public interface HeapVisitor {
    /**
     * A span holding live data. With {@link Capability#WALK_BLOCKS} one call per live block, with
     * {@code bytes} its usable size; otherwise possibly several neighbouring blocks at once.
     */
    void allocated(long address, long bytes);

    /** A span the strategy could hand out again. */
    void free(long address, long bytes);
}
