package org.alloclab.dsmalloc;

import java.util.HashMap;
import java.util.Map;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;

/**
 * One space's view of the common allocator's virtual memory: every call goes to the shared virtual
 * memory unchanged, and each region the space reserves or releases is recorded in the {@link SpaceMap}
 * under the space's index. This is how the composite learns where each space's segments are while using
 * dsmalloc only through its public constructor. {@link #close()} does nothing: the view does not own the
 * virtual memory.
 *
 * <p>Alignment: dsmalloc computes its pages as {@code address & -page}, so with a page coarser than the
 * virtual memory's (the large space's 64 KiB over 4 KiB) it needs segments aligned to its page, which a
 * virtual memory does not promise. When {@code align} is coarser than the virtual memory's page this view
 * reserves {@code align - vmPage} bytes more and hands out the aligned part; the slack is address space
 * only, never committed, and goes back with the region. The space (and the map) see the aligned region.
 */
final class SpaceMemory implements VirtualMemory {

    private final VirtualMemory vm;
    private final SpaceMap map;
    private final int space;
    private final long align;
    /** Aligned region handed out → region reserved, when they differ; guarded by this. */
    private final Map<Long, Region> reserved = new HashMap<>();

    SpaceMemory(VirtualMemory vm, SpaceMap map, int space, long align) {
        this.vm = vm;
        this.map = map;
        this.space = space;
        this.align = Math.max(align, vm.pageSize());
    }

    @Override
    public String kind() {
        return vm.kind();
    }

    @Override
    public long pageSize() {
        return vm.pageSize();
    }

    @Override
    public Region reserve(long bytes) {
        Region r;
        if (align == vm.pageSize()) {
            r = vm.reserve(bytes);
        } else {
            long want = Sizes.alignUp(bytes, align);
            Region raw = vm.reserve(want + align - vm.pageSize());
            if (raw == null) {
                return null;
            }
            r = new Region(Sizes.alignUp(raw.address(), align), want);
            synchronized (this) {
                reserved.put(r.address(), raw);
            }
        }
        if (r != null) {
            map.add(r, space);
        }
        return r;
    }

    @Override
    public void release(Region region) {
        // out of the map first: once released, the same addresses may be reserved by another space's thread
        map.remove(region);
        try {
            Region raw;
            synchronized (this) {
                raw = reserved.get(region.address());
            }
            vm.release(raw != null && raw.contains(region.address(), region.bytes()) ? raw : region);
            if (raw != null) {
                synchronized (this) {
                    reserved.remove(region.address());
                }
            }
        } catch (RuntimeException e) {  // not a region held: leave the map as it was
            map.add(region, space);
            throw e;
        }
    }

    @Override
    public boolean commit(long address, long bytes) {
        return vm.commit(address, bytes);
    }

    @Override
    public void decommit(long address, long bytes) {
        vm.decommit(address, bytes);
    }

    @Override
    public boolean isCommitted(long address, long bytes) {
        return vm.isCommitted(address, bytes);
    }

    @Override
    public long residentBytes(long address, long bytes) {
        return vm.residentBytes(address, bytes);
    }

    @Override
    public long residentBytes() {
        return vm.residentBytes();
    }

    @Override
    public Memory memory() {
        return vm.memory();
    }

    @Override
    public VirtualMemoryStats stats() {
        return vm.stats();
    }

    @Override
    public void close() {
    }
}
