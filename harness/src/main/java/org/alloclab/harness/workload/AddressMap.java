package org.alloclab.harness.workload;

/**
 * A map from addresses (any {@code long} but 0) to {@code int}s, open addressing with linear probing in two
 * parallel arrays: 12 bytes per entry at most half full, so about 24 to 48 bytes per live block, where a
 * {@code HashMap<Long, Integer>} takes about 80. What a trace's reader holds per block the traced program
 * has live, so that a trace of hundreds of millions of events is read in a heap its live blocks fit in.
 */
final class AddressMap {
    /** What {@link #get} returns for an address not in the map. */
    static final int ABSENT = Integer.MIN_VALUE;

    private long[] keys;
    private int[] values;
    private int size;
    private int shift;

    AddressMap() {
        keys = new long[1 << 10];
        values = new int[1 << 10];
        shift = 64 - 10;
    }

    int size() {
        return size;
    }

    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The value of {@code key}, or {@link #ABSENT}. */
    int get(long key) {
        int mask = keys.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return ABSENT;
            }
        }
    }

    /** Sets {@code key} to {@code value}; returns its value before, or {@link #ABSENT}. */
    int put(long key, int value) {
        if (key == 0) {
            throw new IllegalArgumentException("address 0 is null, never a block's");
        }
        int mask = keys.length - 1;
        for (int i = home(key); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                int old = values[i];
                values[i] = value;
                return old;
            }
            if (k == 0) {
                keys[i] = key;
                values[i] = value;
                if (++size > keys.length / 2) {
                    grow();
                }
                return ABSENT;
            }
        }
    }

    /** Removes {@code key}; returns its value, or {@link #ABSENT} when it was not there. */
    int remove(long key) {
        int mask = keys.length - 1;
        int i = home(key);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return ABSENT;
            }
            i = (i + 1) & mask;
        }
        int old = values[i];
        size--;
        // shifts back the entries after i that would no longer be found past the hole
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int h = home(keys[j]);
            if (((j - h) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                values[i] = values[j];
                i = j;
            }
        }
        keys[i] = 0;
        return old;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        shift--;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }
}
