package org.alloclab.vmem;

import org.alloclab.api.Sizes;

/**
 * Turns access to whole pages of process memory off and on again ({@code mprotect}), for memory that no
 * {@link org.alloclab.api.VirtualMemory} of alloclab manages: the C library's heap, a native allocator's.
 * The guard-page layer uses it to put a guard page inside a block that glibc's {@code malloc} or jemalloc
 * handed out; a touch of such a page then faults like one in any native program (the JVM stops with
 * {@code SIGSEGV} and writes the faulting address into its {@code hs_err} file).
 */
public final class PageProtection {

    private PageProtection() {
    }

    /** The operating system's page size. */
    public static long pageSize() {
        return Native.osPageSize();
    }

    /**
     * Makes {@code [address, address + bytes)} inaccessible (or accessible again, for reading and writing).
     *
     * @throws IllegalArgumentException when the range is not page-aligned
     * @throws IllegalStateException    naming the error when the kernel refuses
     */
    public static void set(long address, long bytes, boolean accessible) {
        long page = pageSize();
        if ((address & (page - 1)) != 0 || (bytes & (page - 1)) != 0 || bytes <= 0) {
            throw new IllegalArgumentException("cannot protect [" + Sizes.hex(address) + ", +" + bytes
                    + "): not whole pages of " + page + " bytes");
        }
        int prot = accessible ? Native.PROT_READ | Native.PROT_WRITE : Native.PROT_NONE;
        if (Native.mprotect(address, bytes, prot) != 0) {
            throw new IllegalStateException("mprotect(" + Sizes.hex(address) + ", " + bytes + ", "
                    + (accessible ? "PROT_READ|PROT_WRITE" : "PROT_NONE") + ") failed: " + Native.describe(Native.errno()));
        }
    }
}
