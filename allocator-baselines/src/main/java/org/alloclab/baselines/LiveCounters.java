package org.alloclab.baselines;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.alloclab.api.AllocatorStats;

/**
 * The counts every baseline keeps about its own blocks, safe to update from many threads: live bytes and
 * their peak, live blocks, allocations and refusals. Two atomic updates per allocation or free (the live
 * sum and, when it rises past it, the peak).
 */
final class LiveCounters {

    private final AtomicLong liveBytes = new AtomicLong();
    private final AtomicLong peakLiveBytes = new AtomicLong();
    private final AtomicLong liveBlocks = new AtomicLong();
    private final LongAdder allocations = new LongAdder();
    private final LongAdder failedAllocations = new LongAdder();

    /** A block of {@code size} requested bytes was handed out. */
    void allocated(long size) {
        liveBlocks.incrementAndGet();
        allocations.increment();
        raise(peakLiveBytes, liveBytes.addAndGet(size));
    }

    /** A block of {@code size} requested bytes was given back. */
    void freed(long size) {
        liveBlocks.decrementAndGet();
        liveBytes.addAndGet(-size);
    }

    /** A block was resized from {@code oldSize} to {@code newSize}; {@code moved} when it has a new address. */
    void resized(long oldSize, long newSize, boolean moved) {
        if (moved) {
            allocations.increment();
        }
        raise(peakLiveBytes, liveBytes.addAndGet(newSize - oldSize));
    }

    /** A request was answered with 0. */
    void failed() {
        failedAllocations.increment();
    }

    long liveBytes() {
        return liveBytes.get();
    }

    long liveBlocks() {
        return liveBlocks.get();
    }

    /** Adds {@code live_bytes}, {@code peak_live_bytes} and {@code live_blocks}. */
    AllocatorStats.Builder addLive(AllocatorStats.Builder b) {
        return b.bytes(AllocatorStats.LIVE_BYTES, liveBytes.get(), "requested bytes of live blocks")
                .bytes(AllocatorStats.PEAK_LIVE_BYTES, peakLiveBytes.get(), "highest live bytes")
                .count(AllocatorStats.LIVE_BLOCKS, liveBlocks.get(), "live blocks");
    }

    /** Adds {@code allocations} and {@code failed_allocations}. */
    AllocatorStats.Builder addCounts(AllocatorStats.Builder b) {
        return b.count(AllocatorStats.ALLOCATIONS, allocations.sum(), "successful allocations, a moving reallocation counting as one")
                .count(AllocatorStats.FAILED_ALLOCATIONS, failedAllocations.sum(), "requests answered with 0");
    }

    /** Raises {@code peak} to {@code value} if it is higher; returns {@code value}. */
    static long raise(AtomicLong peak, long value) {
        long p;
        while (value > (p = peak.get()) && !peak.compareAndSet(p, value)) {
            Thread.onSpinWait();
        }
        return value;
    }
}
