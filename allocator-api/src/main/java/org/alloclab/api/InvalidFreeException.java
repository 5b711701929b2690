package org.alloclab.api;

/**
 * A free or reallocation named an address that is not a live block of this allocator: one it never
 * handed out, one already freed, or a pointer into the middle of a block. The allocator is unchanged.
 */
public final class InvalidFreeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final long address;

    /**
     * @param strategy the allocator's strategy name
     * @param address  the offending address
     * @param why      what is wrong with it, e.g. "was never allocated" or "is already free"
     */
    public InvalidFreeException(String strategy, long address, String why) {
        super(strategy + ": cannot free " + Sizes.hex(address) + ": " + why);
        this.address = address;
    }

    /** The offending address. */
    public long address() {
        return address;
    }
}
