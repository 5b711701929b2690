package org.alloclab.debug;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Sizes;

/**
 * Red zones: bytes before and after each block, filled with a pattern when the block is born and checked
 * when it is freed or reallocated, on demand ({@link #check()}) and by {@link #verify()}. A write just past
 * the end of a block, or just before its start, changes them; the check reports the block, the size that
 * was asked for, its allocation site and the first damaged byte.
 *
 * <p>The front zone is {@code bytes} rounded up to the block's alignment, so the caller's address keeps
 * its alignment; the back zone starts at the very byte after the size asked for, so an overrun of one
 * byte is seen. The caller's usable size is exactly what it asked for.
 */
public final class RedZoneLayer extends DebugLayer {

    /** The layer's name. */
    public static final String NAME = "red-zones";

    private final long zone;
    private final byte pattern;
    private long zoneBytes;

    RedZoneLayer(Allocator inner, long zone, byte pattern, SiteMode sites, int siteFrames, int rememberFrees) {
        super(NAME, inner, sites, siteFrames, rememberFrees);
        this.zone = zone;
        this.pattern = pattern;
    }

    private long front(long alignment) {
        return Sizes.alignUp(zone, alignment);
    }

    @Override
    protected long place(long size, long alignment) {
        long front = front(alignment);
        if (size > MAX_REQUEST - front - zone) {
            placedBase = 0;
            return 0;
        }
        long base = inner.allocate(front + size + zone, alignment);
        placedBase = base;
        return base == 0 ? 0 : base + front;
    }

    @Override
    protected boolean sameAddresses() {
        return false;
    }

    @Override
    protected void prepare(int slot, long kept) {
        long a = blocks.address[slot];
        long base = blocks.base[slot];
        fill(base, a - base, pattern);
        fill(a + blocks.size[slot], zone, pattern);
        zoneBytes += a - base + zone;
    }

    @Override
    protected void checkBlock(int slot) {
        long a = blocks.address[slot];
        long base = blocks.base[slot];
        long bad = firstNot(base, a - base, pattern);
        if (bad >= 0) {
            throw corruption("red zone before the block damaged", slot, bad);
        }
        bad = firstNot(a + blocks.size[slot], zone, pattern);
        if (bad >= 0) {
            throw corruption("red zone after the block damaged", slot, bad);
        }
    }

    @Override
    protected void retire(int slot) {
        super.retire(slot);
        zoneBytes -= blocks.address[slot] - blocks.base[slot] + zone;
    }

    @Override
    protected void forget(int slot) {
        zoneBytes -= blocks.address[slot] - blocks.base[slot] + zone;
    }

    @Override
    protected void addStats(AllocatorStats.Builder b) {
        b.bytes("red_zone_bytes", zoneBytes, "bytes of red zones around live blocks");
    }
}
