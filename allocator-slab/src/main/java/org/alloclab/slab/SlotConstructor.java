package org.alloclab.slab;

import org.alloclab.api.Memory;

/**
 * Pre-initializes a slab cache's objects: applied once to each slot when its slab is made, and never again
 * while the slab lives. The allocator never writes into a free slot, so an object freed in its constructed
 * state is handed out again in that state (Bonwick's object caching): the user keeps that promise.
 */
@FunctionalInterface
public interface SlotConstructor {

    /** Initializes the object of {@code size} bytes at {@code address} through {@code memory}. */
    void construct(Memory memory, long address, int size);
}
