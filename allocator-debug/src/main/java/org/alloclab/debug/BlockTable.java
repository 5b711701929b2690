package org.alloclab.debug;

import java.util.Arrays;

/**
 * The live blocks a layer knows, by the address its caller holds: open addressing over {@code long} keys
 * (linear probing, backward-shift deletion, so no tombstones pile up), with each block's facts in
 * parallel arrays indexed by a slot number that stays put while the block lives. No boxing and no
 * allocation per block once the arrays have grown: a layer's cost is a probe or two per call.
 */
final class BlockTable {

    private static final int NONE = -1;

    // hash part: key address → slot
    private long[] keys = new long[64];
    private int[] slotOf = new int[64];
    private int used;

    // slot part: facts of one block
    long[] address = new long[32];   // what the caller holds
    long[] base = new long[32];      // what the wrapped allocator handed out
    long[] size = new long[32];      // bytes the caller asked for
    long[] seq = new long[32];       // allocation order, for frames
    Object[] site = new Object[32];  // where it was allocated: a recorded site or stack frames, or null
    long[] extra = new long[32];     // one number a layer keeps per block (a sample's weight)
    private int[] nextFree = new int[32];
    private int freeSlots = NONE;
    private int slots;

    /** How many blocks are in the table. */
    int count() {
        return used;
    }

    /** The slot of the block at {@code key}, or -1. */
    int find(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return slotOf[i];
            }
            if (k == 0) {
                return NONE;
            }
        }
    }

    /** Adds a block at {@code key} (non-zero, not present) and returns its slot. */
    int add(long key) {
        if ((used + 1) * 4 > keys.length * 3) {
            rehash(keys.length * 2);
        }
        int slot = freeSlots;
        if (slot != NONE) {
            freeSlots = nextFree[slot];
        } else {
            if (slots == address.length) {
                growSlots();
            }
            slot = slots++;
        }
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        slotOf[i] = slot;
        used++;
        address[slot] = key;
        return slot;
    }

    /** Removes the block at {@code key}, which must be present, freeing its slot. */
    void remove(long key) {
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (keys[i] != key) {
            i = (i + 1) & mask;
        }
        int slot = slotOf[i];
        site[slot] = null;
        address[slot] = 0;
        nextFree[slot] = freeSlots;
        freeSlots = slot;
        used--;
        // backward-shift: move later members of the run into the hole when their home allows it
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                slotOf[hole] = slotOf[j];
                hole = j;
            }
        }
        keys[hole] = 0;
    }

    /** The slots of every block, in no particular order. */
    int[] liveSlots() {
        int[] out = new int[used];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                out[n++] = slotOf[i];
            }
        }
        return out;
    }

    /** Forgets every block. */
    void clear() {
        Arrays.fill(keys, 0);
        Arrays.fill(site, null);
        Arrays.fill(address, 0);
        used = 0;
        slots = 0;
        freeSlots = NONE;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldSlots = slotOf;
        keys = new long[capacity];
        slotOf = new int[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = hash(oldKeys[j]) & mask;
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                slotOf[i] = oldSlots[j];
            }
        }
    }

    private void growSlots() {
        int n = address.length * 2;
        address = Arrays.copyOf(address, n);
        base = Arrays.copyOf(base, n);
        size = Arrays.copyOf(size, n);
        seq = Arrays.copyOf(seq, n);
        extra = Arrays.copyOf(extra, n);
        site = Arrays.copyOf(site, n);
        nextFree = Arrays.copyOf(nextFree, n);
    }
}
