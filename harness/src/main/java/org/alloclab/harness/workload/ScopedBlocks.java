package org.alloclab.harness.workload;

import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;

/**
 * The blocks of one scope — a frame, a request — for the generators that have scopes. A block is either
 * a <em>temporary</em>, freed after a lifetime counted in the scope's own allocations, or lives until the
 * scope {@linkplain #close closes}, when every block still live is freed, newest first, as scopes unwind.
 * A temporary whose lifetime outlasts the scope is freed at its close too, so nothing outlives it.
 */
final class ScopedBlocks {

    private final Operations.Builder ops;
    private final LiveSlots live = new LiveSlots();
    private final PriorityQueue<long[]> deaths = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));   // {death, slot}
    private int[] order = new int[64];   // slots in allocation order
    private int allocated;
    private long made;

    ScopedBlocks(Operations.Builder ops) {
        this.ops = ops;
    }

    /**
     * Frees the temporaries that have died, then allocates a block of {@code size} into the scope.
     *
     * @param lifetime allocations the block lives if it is a temporary; 0 to keep it until the close
     * @return its slot
     */
    int allocate(long size, long lifetime) {
        reap();
        int slot = ops.allocate(size, (int) Allocator.DEFAULT_ALIGNMENT);
        live.add(slot);
        if (allocated == order.length) {
            order = Arrays.copyOf(order, allocated * 2);
        }
        order[allocated++] = slot;
        made++;
        if (lifetime > 0) {
            deaths.add(new long[] {made + lifetime - 1, slot});
        }
        return slot;
    }

    /** Frees the temporaries whose lifetime has run out. */
    void reap() {
        while (!deaths.isEmpty() && deaths.peek()[0] <= made) {
            int slot = (int) deaths.poll()[1];
            if (live.remove(slot)) {
                ops.free(slot);
            }
        }
    }

    /** Resizes a random live block of the scope to {@code size}; nothing when none is live. */
    void reallocateOne(SplittableRandom random, long size) {
        if (!live.isEmpty()) {
            ops.reallocate(live.pick(random), size);
        }
    }

    /** Frees every block still live, newest first, and empties the scope for reuse. */
    void close() {
        for (int i = allocated - 1; i >= 0; i--) {
            if (live.remove(order[i])) {
                ops.free(order[i]);
            }
        }
        deaths.clear();
        allocated = 0;
        made = 0;
    }
}
