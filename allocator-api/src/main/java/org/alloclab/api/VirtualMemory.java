package org.alloclab.api;

/**
 * A source of pages: address space is <em>reserved</em> in {@link Region}s, then pages inside a region
 * are <em>committed</em> (backed by memory that can be read and written) and <em>decommitted</em>
 * (given back, their contents lost, the addresses still reserved). Two implementations ship with
 * alloclab: the operating system's ({@code mmap}/{@code mprotect}/{@code madvise}/{@code munmap}) and a
 * deterministic simulation with a physical budget and fault injection.
 *
 * <p>Failure to reserve or commit is a normal outcome (a fragmentation study runs memory out on
 * purpose): {@link #reserve(long)} returns {@code null} and {@link #commit(long, long)} returns
 * {@code false}, and the virtual memory is unchanged. Misuse — a range outside every region, a length
 * that is not a multiple of the page size, releasing a region twice — throws
 * {@link IllegalArgumentException} naming the range, also leaving everything unchanged.
 *
 * <p>Implementations are safe to use from many threads.
 */
public interface VirtualMemory extends AutoCloseable {

    /** "os" or "simulated" or a third party's name, for reports. */
    String kind();

    /**
     * The unit of commit and decommit in bytes, a power of two: the OS page, or a multiple of it when a
     * coarser commit granularity was asked for. Regions are aligned to it and sized in it.
     */
    long pageSize();

    /**
     * Reserves address space, rounded up to a multiple of {@link #pageSize()}. No page is committed.
     *
     * @return the region, or {@code null} when no address space could be reserved
     * @throws IllegalArgumentException when {@code bytes} is not positive or absurdly large
     */
    Region reserve(long bytes);

    /**
     * Gives a whole region back: its committed pages are decommitted and its addresses may be handed out
     * again.
     *
     * @throws IllegalArgumentException when {@code region} is not a region this virtual memory reserved
     *                                  and has not yet released
     */
    void release(Region region);

    /**
     * Commits the pages of {@code [address, address + bytes)}; pages already committed stay as they are.
     * Newly committed pages read as zero.
     *
     * @return whether the whole range is now committed; on {@code false} nothing was committed
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     */
    boolean commit(long address, long bytes);

    /**
     * Decommits the pages of {@code [address, address + bytes)}; their contents are lost.
     *
     * @throws IllegalArgumentException when the range is not page-aligned or not inside one region
     */
    void decommit(long address, long bytes);

    /** Whether every byte of {@code [address, address + bytes)} is committed. */
    boolean isCommitted(long address, long bytes);

    /**
     * Bytes of {@code [address, address + bytes)} really resident: for OS virtual memory what the kernel
     * reports ({@code mincore}), for the simulation the committed bytes. Page-aligned ranges only. A range
     * outside every region (a region after its release, say) is asked of the memory source as it is, so
     * a caller can see that released memory is really gone: the kernel finds nothing resident in a range
     * nobody has mapped.
     *
     * @throws IllegalArgumentException when the range is not page-aligned, or covers part of a region
     */
    long residentBytes(long address, long bytes);

    /**
     * Bytes resident over every region this virtual memory holds now: what {@link #residentBytes(long, long)}
     * says of each, summed. For OS virtual memory this is a {@code mincore} of every region, so it costs
     * time in proportion to the address space reserved.
     */
    long residentBytes();

    /** Access to the bytes of committed pages. */
    Memory memory();

    /** The counters now. */
    VirtualMemoryStats stats();

    /**
     * Counters beyond {@link #stats()} that a layer over a virtual memory keeps (a commit cache's hits, say),
     * by name; none by default. Reports record them beside the stats.
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Releases every region still reserved. Idempotent. */
    @Override
    void close();
}
