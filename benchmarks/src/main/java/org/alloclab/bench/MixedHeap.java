package org.alloclab.bench;

import java.util.SplittableRandom;

import org.alloclab.api.Allocator;

/**
 * The mixed-sizes heap of {@link AllocatorBenchmarks#mixedSizes} and {@link LayerBenchmarks#mixedSizes}:
 * 1,024 live blocks; each step frees a random one and allocates in its place a size drawn log-uniformly
 * from 8 B to 16 KiB, from a sequence drawn once (seed 42, the same for every strategy) and cycled.
 */
final class MixedHeap {
    static final int LIVE = 1024;
    static final int SEQUENCE = 1 << 16;

    private final long[] live = new long[LIVE];
    private final long[] sizes = new long[SEQUENCE];
    private final int[] victims = new int[SEQUENCE];
    private int next;

    MixedHeap() {
        var random = new SplittableRandom(42);
        for (int i = 0; i < SEQUENCE; i++) {
            sizes[i] = Math.max(8, (long) Math.pow(2, 3 + random.nextDouble() * 11));
            victims[i] = random.nextInt(LIVE);
        }
    }

    /** Allocates the first live blocks. */
    void fill(Allocator a) {
        for (int i = 0; i < LIVE; i++) {
            live[i] = a.allocate(sizes[i]);
        }
    }

    /** One free and one allocation; returns the new block. */
    long step(Allocator a) {
        int i = next;
        next = (i + 1) & (SEQUENCE - 1);
        int v = victims[i];
        a.free(live[v]);
        long p = a.allocate(sizes[i]);
        live[v] = p;
        return p;
    }

    /** Frees every live block. */
    void empty(Allocator a) {
        for (long p : live) {
            a.free(p);
        }
    }
}
