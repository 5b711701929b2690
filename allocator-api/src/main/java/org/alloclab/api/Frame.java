package org.alloclab.api;

/**
 * A mark in a stack-like allocator, returned by {@link Allocator#pushFrame()}. Popping it frees every
 * block allocated since it was pushed. Frames pop in the reverse order of their pushes; popping a frame
 * that is not the innermost open one is an error that leaves the allocator unchanged.
 */
public interface Frame {
    /** How many frames were open when this one was pushed: 0 for the outermost. */
    int depth();
}
