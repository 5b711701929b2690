package org.alloclab.harness.workload;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/** A set of live slots with O(1) add, remove, membership and uniform pick; for generators. */
final class LiveSlots {
    private int[] slots = new int[256];
    private int[] indexOf = new int[256];   // slot -> position + 1, 0 when not live
    private int count;

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    boolean contains(int slot) {
        return slot < indexOf.length && indexOf[slot] != 0;
    }

    void add(int slot) {
        if (slot >= indexOf.length) {
            indexOf = Arrays.copyOf(indexOf, Math.max(slot + 1, indexOf.length * 2));
        }
        if (count == slots.length) {
            slots = Arrays.copyOf(slots, count * 2);
        }
        slots[count] = slot;
        indexOf[slot] = ++count;
    }

    /** Removes {@code slot}; false when it was not live. */
    boolean remove(int slot) {
        int position = slot < indexOf.length ? indexOf[slot] - 1 : -1;
        if (position < 0) {
            return false;
        }
        int last = slots[--count];
        slots[position] = last;
        indexOf[last] = position + 1;
        indexOf[slot] = 0;
        return true;
    }

    /** A live slot chosen uniformly; the set must not be empty. */
    int pick(SplittableRandom random) {
        return slots[random.nextInt(count)];
    }

    /** Hands every live slot to {@code each}, in no particular order, and empties the set. */
    void drain(IntConsumer each) {
        for (int i = 0; i < count; i++) {
            each.accept(slots[i]);
            indexOf[slots[i]] = 0;
        }
        count = 0;
    }
}
