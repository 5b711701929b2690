package org.alloclab.baselines;

import java.util.Arrays;

import org.alloclab.api.Sizes;

/**
 * The live blocks of a native heap (glibc, jemalloc) that hands out bare addresses: address → requested
 * size, safe for many threads. The heap itself cannot say whether an address is one of its blocks, and
 * freeing one that is not corrupts it or crashes the process; this table answers first.
 *
 * <h2>Layout</h2>
 * <pre>
 *   address ──hash──▶ stripe (64, chosen by the top bits)          one monitor each
 *                       keys  [ a1 | 0  | a7 | a3 | 0  | ... ]      open addressing, linear probing
 *                       sizes [ s1 |    | s7 | s3 |    | ... ]      parallel to keys; 0 key = empty slot
 * </pre>
 * A stripe doubles when it is two-thirds full; removal shifts later entries of the same probe run back
 * (no tombstones), so lookups never slow down with churn.
 *
 * <h2>Cost</h2>
 * 16 bytes per slot on the Java heap, 24 to 48 bytes per live block with the load between one third and
 * two thirds; per operation one monitor (uncontended unless two threads hit the same stripe) and a probe
 * or two; nothing allocated except when a stripe grows. {@link #blockContaining} — a pointer into a
 * block — scans every stripe: it serves {@code owns()} and error messages, not the fast path.
 */
final class AddressTable {

    /** Receives one live block. */
    @FunctionalInterface
    interface Visitor {
        /** Called with the block's stripe locked: no other thread frees the block meanwhile. */
        void visit(long address, long size);
    }

    /** Answers for one live block, with its stripe locked. */
    @FunctionalInterface
    interface Query {
        long ask(long address, long size);
    }

    private static final int STRIPE_BITS = 6;
    private static final int INITIAL_SLOTS = 16;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];

    AddressTable() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
    }

    private static long mix(long address) {
        return address * 0x9E3779B97F4A7C15L;
    }

    private Stripe stripe(long h) {
        return stripes[(int) (h >>> (64 - STRIPE_BITS))];
    }

    /**
     * Records a block.
     *
     * @throws IllegalStateException when {@code address} is already live: the native heap handed out a
     *                               block it had not taken back, so its state or this table is corrupt
     */
    void put(long address, long size) {
        long h = mix(address);
        if (!stripe(h).put(address, size, h)) {
            throw new IllegalStateException("the allocator handed out " + Sizes.hex(address)
                    + " while it was still live");
        }
    }

    /** Forgets a block; returns its size, or -1 when {@code address} is not a live block. */
    long remove(long address) {
        long h = mix(address);
        return stripe(h).remove(address, h);
    }

    /** The size of the live block at {@code address}, or -1. */
    long sizeOf(long address) {
        long h = mix(address);
        Stripe s = stripe(h);
        synchronized (s) {
            int i = s.find(address, h);
            return i < 0 ? -1 : s.sizes[i];
        }
    }

    /**
     * {@code query} asked about the live block at {@code address} while no other thread can free it, or
     * -1 when {@code address} is not a live block.
     */
    long ask(long address, Query query) {
        long h = mix(address);
        Stripe s = stripe(h);
        synchronized (s) {
            int i = s.find(address, h);
            return i < 0 ? -1 : query.ask(address, s.sizes[i]);
        }
    }

    /** Visits every live block, a stripe at a time (in no particular order). */
    void forEach(Visitor visitor) {
        for (Stripe s : stripes) {
            synchronized (s) {
                for (int i = 0; i < s.keys.length; i++) {
                    if (s.keys[i] != 0) {
                        visitor.visit(s.keys[i], s.sizes[i]);
                    }
                }
            }
        }
    }

    /**
     * The start of the live block that {@code address} points inside (not at its first byte), or 0. A scan
     * of every stripe.
     */
    long blockContaining(long address) {
        for (Stripe s : stripes) {
            synchronized (s) {
                for (int i = 0; i < s.keys.length; i++) {
                    long k = s.keys[i];
                    if (k != 0 && Long.compareUnsigned(address, k) > 0
                            && Long.compareUnsigned(address - k, s.sizes[i]) < 0) {
                        return k;
                    }
                }
            }
        }
        return 0;
    }

    /** Removes every block; visits each after it is gone from the table (so it may be freed). */
    void drain(Visitor visitor) {
        for (Stripe s : stripes) {
            long[] keys;
            long[] sizes;
            synchronized (s) {
                keys = s.keys;
                sizes = s.sizes;
                s.clear();
            }
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != 0) {
                    visitor.visit(keys[i], sizes[i]);
                }
            }
        }
    }

    /**
     * Checks every stripe's own structure: entry counts and that every entry is reachable by its probe.
     *
     * @throws IllegalStateException naming the first fault
     */
    void verify() {
        for (Stripe s : stripes) {
            synchronized (s) {
                s.verify();
            }
        }
    }

    /** One lock's share of the table. */
    private static final class Stripe {
        long[] keys = new long[INITIAL_SLOTS];
        long[] sizes = new long[INITIAL_SLOTS];
        int count;

        private static int home(long h, int mask) {
            return (int) (h >>> 20) & mask;
        }

        /** The slot of {@code key}, or -1. Caller holds the monitor. */
        int find(long key, long h) {
            int mask = keys.length - 1;
            for (int i = home(h, mask); ; i = (i + 1) & mask) {
                long k = keys[i];
                if (k == key) {
                    return i;
                }
                if (k == 0) {
                    return -1;
                }
            }
        }

        synchronized boolean put(long key, long size, long h) {
            if (3 * (count + 1) > 2 * keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = home(h, mask);
            while (keys[i] != 0) {
                if (keys[i] == key) {
                    return false;
                }
                i = (i + 1) & mask;
            }
            keys[i] = key;
            sizes[i] = size;
            count++;
            return true;
        }

        synchronized long remove(long key, long h) {
            int i = find(key, h);
            if (i < 0) {
                return -1;
            }
            long size = sizes[i];
            count--;
            // backward-shift deletion: pull later entries of the run into the hole when their home allows
            int mask = keys.length - 1;
            int hole = i;
            for (int j = (hole + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
                int home = home(mix(keys[j]), mask);
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    keys[hole] = keys[j];
                    sizes[hole] = sizes[j];
                    hole = j;
                }
            }
            keys[hole] = 0;
            sizes[hole] = 0;
            return size;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldSizes = sizes;
            keys = new long[oldKeys.length * 2];
            sizes = new long[oldKeys.length * 2];
            int mask = keys.length - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                if (oldKeys[j] != 0) {
                    int i = home(mix(oldKeys[j]), mask);
                    while (keys[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    keys[i] = oldKeys[j];
                    sizes[i] = oldSizes[j];
                }
            }
        }

        void clear() {
            keys = new long[INITIAL_SLOTS];
            sizes = new long[INITIAL_SLOTS];
            count = 0;
        }

        void verify() {
            int seen = 0;
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != 0) {
                    seen++;
                    if (find(keys[i], mix(keys[i])) != i) {
                        throw new IllegalStateException("address table: " + Sizes.hex(keys[i])
                                + " cannot be found by its probe");
                    }
                    if (sizes[i] < 1) {
                        throw new IllegalStateException("address table: " + Sizes.hex(keys[i])
                                + " has size " + sizes[i]);
                    }
                }
            }
            if (seen != count) {
                throw new IllegalStateException("address table: a stripe counts " + count + " blocks but holds " + seen);
            }
            if (Arrays.stream(keys).filter(k -> k == 0).findAny().isEmpty()) {
                throw new IllegalStateException("address table: a stripe has no empty slot");
            }
        }
    }
}
