package org.alloclab.tck;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

/**
 * The virtual memory an allocator under test is given: it passes every call on and remembers which
 * regions the allocator reserved and released, so the contract can tell that every block lies in the
 * allocator's own regions and that {@code close()} gave each of them back.
 */
final class RecordingVirtualMemory implements VirtualMemory {

    private final VirtualMemory target;
    private final Set<Region> live = new LinkedHashSet<>();
    private final List<Region> everReserved = new ArrayList<>();
    private final List<String> residentAfterRelease = new ArrayList<>();

    RecordingVirtualMemory(VirtualMemory target) {
        this.target = target;
    }

    /** The virtual memory calls are passed to. */
    VirtualMemory target() {
        return target;
    }

    /** Regions reserved through this view and not yet released. */
    synchronized List<Region> liveRegions() {
        return List.copyOf(live);
    }

    /** Every region ever reserved through this view. */
    synchronized List<Region> everReserved() {
        return List.copyOf(everReserved);
    }

    /**
     * Regions that still had resident pages right after their release, described. Asked of the kernel at
     * the moment of the release, not later: once a range is unmapped, anyone in the process (the JVM, the C
     * library) may map it again, and its pages would then be someone else's.
     */
    synchronized List<String> residentAfterRelease() {
        return List.copyOf(residentAfterRelease);
    }

    /** Whether {@code [address, address + bytes)} lies inside one region reserved through this view. */
    synchronized boolean inLiveRegion(long address, long bytes) {
        for (Region r : live) {
            if (r.contains(address, bytes)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String kind() {
        return target.kind();
    }

    @Override
    public long pageSize() {
        return target.pageSize();
    }

    @Override
    public Region reserve(long bytes) {
        Region r = target.reserve(bytes);
        if (r != null) {
            synchronized (this) {
                live.add(r);
                everReserved.add(r);
            }
        }
        return r;
    }

    @Override
    public void release(Region region) {
        target.release(region);
        long resident = target.residentBytes(region.address(), region.bytes());
        synchronized (this) {
            live.remove(region);
            if (resident != 0) {
                residentAfterRelease.add(org.alloclab.api.Sizes.format(resident) + " of " + region);
            }
        }
    }

    @Override
    public boolean commit(long address, long bytes) {
        return target.commit(address, bytes);
    }

    @Override
    public void decommit(long address, long bytes) {
        target.decommit(address, bytes);
    }

    @Override
    public boolean isCommitted(long address, long bytes) {
        return target.isCommitted(address, bytes);
    }

    @Override
    public long residentBytes() {
        return target.residentBytes();
    }

    @Override
    public long residentBytes(long address, long bytes) {
        return target.residentBytes(address, bytes);
    }

    @Override
    public Memory memory() {
        return target.memory();
    }

    @Override
    public VirtualMemoryStats stats() {
        return target.stats();
    }

    /** Does nothing: the contract closes the real virtual memory itself, after the allocator. */
    @Override
    public void close() {
    }
}
