package org.alloclab.api;

/**
 * A read or write touched memory that is not committed. Raised by checked {@link Memory} views (the
 * simulated virtual memory always checks) instead of letting the access fault.
 */
public final class UncommittedAccessException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final long bytes;

    /**
     * @param access  what was attempted ("read", "write", …)
     * @param address first byte of the access
     * @param bytes   length of the access
     * @param firstUncommitted the first byte of the access that is not committed
     */
    public UncommittedAccessException(String access, long address, long bytes, long firstUncommitted) {
        super(access + " of " + bytes + " byte" + (bytes == 1 ? "" : "s") + " at " + Sizes.hex(address)
                + " touches uncommitted memory at " + Sizes.hex(firstUncommitted));
        this.address = address;
        this.bytes = bytes;
    }

    /** First byte of the offending access. */
    public long address() {
        return address;
    }

    /** Length of the offending access. */
    public long bytes() {
        return bytes;
    }
}
