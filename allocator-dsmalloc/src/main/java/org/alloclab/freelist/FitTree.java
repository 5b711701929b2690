package org.alloclab.freelist;

import java.util.Arrays;

/**
 * A treap of free blocks ordered by a {@code long} key, each node holding the largest block size in
 * its subtree: the search structure that lets {@link FreeListAllocator}'s {@code tree} mechanism make a
 * sequential-fit policy's choice in O(log F) instead of walking the list.
 *
 * <p>The key is the block's position in the policy's list order (its address for the address-ordered
 * lists; its stamp and address for LIFO and FIFO, see {@link FreeListAllocator}), or its size and
 * address for best fit. With the subtree maximum, "the first block in list order whose size is at
 * least n" is one descent: go left while the left subtree holds a big enough block, else take this
 * node if it is big enough, else go right. That is exactly the block a first-fit walk of the list
 * stops at, so the two mechanisms place every block alike.
 *
 * <p>Each node also holds its block's room for a 16-byte-aligned request (the largest request that fits
 * after the block's alignment gap) and the subtree's largest such room: replayed traces ask for
 * malloc's 16-byte alignment on every call, and half the blocks need a gap for it, so without this
 * second maximum a search would pass over every block big enough by size but not after its gap.
 *
 * <p>Nodes live in parallel primitive arrays, index 0 being the empty tree (size and maximum 0), so a
 * free block costs no object and the tree makes no garbage in the steady state. Priorities come from a
 * fixed-seed generator: the shape, and so the search cost counted in {@link #takeVisits()}, is the same
 * on every run. Not thread-safe.
 */
final class FitTree {

    private long[] key = new long[64];
    private long[] block = new long[64];
    private long[] size = new long[64];
    private long[] max = new long[64];
    private long[] room16 = new long[64];
    private long[] max16 = new long[64];
    private int[] left = new int[64];
    private int[] right = new int[64];
    private int[] priority = new int[64];
    private int root;
    private int used = 1;            // node 0 is the empty tree
    private int recycled;            // a chain, through left[], of removed nodes
    private int count;
    private int seed = 0x2545F491;
    private long visits;

    // the two halves split() leaves, to spare allocating a pair
    private int lower;
    private int upper;

    /** Removes every node. */
    void clear() {
        root = 0;
        used = 1;
        recycled = 0;
        count = 0;
    }

    /** The number of blocks in the tree. */
    int count() {
        return count;
    }

    /** The largest size in the tree, 0 when it is empty. */
    long largest() {
        return max[root];
    }

    /** Nodes examined by searches since the last call (the tree's {@code search_probes}). */
    long takeVisits() {
        long v = visits;
        visits = 0;
        return v;
    }

    long key(int node) {
        return key[node];
    }

    long block(int node) {
        return block[node];
    }

    long size(int node) {
        return size[node];
    }

    long room16(int node) {
        return room16[node];
    }

    /** Adds a block of size {@code s} and 16-byte-aligned room {@code r} under a key no node has. */
    void add(long k, long b, long s, long r) {
        int n = newNode(k, b, s, r);
        root = insert(root, n);
        count++;
    }

    /**
     * Removes the node with key {@code k}.
     *
     * @return its size
     * @throws IllegalStateException when there is none: the tree and the list disagree
     */
    long remove(long k) {
        removedSize = -1;
        root = remove(root, k);
        count--;
        return removedSize;
    }

    /** Sets the size and aligned room of the node with key {@code k}; returns the old size. */
    long resize(long k, long s, long r) {
        removedSize = -1;
        resize(root, k, s, r);
        return removedSize;
    }

    /** The node with key {@code k}, or 0. */
    int find(long k) {
        int t = root;
        while (t != 0 && key[t] != k) {
            t = k < key[t] ? left[t] : right[t];
        }
        return t;
    }

    /** The node of largest key below {@code k}, or 0. */
    int below(long k) {
        int t = root;
        int best = 0;
        while (t != 0) {
            if (key[t] < k) {
                best = t;
                t = right[t];
            } else {
                t = left[t];
            }
        }
        return best;
    }

    /** The node of smallest key at least {@code k}, or 0. */
    int ceiling(long k) {
        int t = root;
        int best = 0;
        while (t != 0) {
            visits++;
            if (key[t] >= k) {
                best = t;
                t = left[t];
            } else {
                t = right[t];
            }
        }
        return best;
    }

    /**
     * The node of smallest key at least {@code k} whose size is at least {@code need}, or with
     * {@code aligned16} whose room for a 16-byte-aligned request is; 0 when there is none.
     */
    int firstFit(long k, long need, boolean aligned16) {
        return aligned16 ? from(root, k, need, room16, max16) : from(root, k, need, size, max);
    }

    private int from(int t, long k, long need, long[] size, long[] max) {
        while (t != 0 && max[t] >= need) {
            visits++;
            if (key[t] < k) {
                t = right[t];
                continue;
            }
            int r = from(left[t], k, need, size, max);
            if (r != 0) {
                return r;
            }
            if (size[t] >= need) {
                return t;
            }
            return leftmost(right[t], need, size, max);   // every key there is above k
        }
        return 0;
    }

    /** The first node of subtree {@code t} in key order whose size is at least {@code need}, or 0. */
    private int leftmost(int t, long need, long[] size, long[] max) {
        if (max[t] < need) {
            return 0;
        }
        while (true) {                          // max[t] >= need holds at every step
            visits++;
            if (max[left[t]] >= need) {
                t = left[t];
            } else if (size[t] >= need) {
                return t;
            } else {
                t = right[t];
            }
        }
    }

    // ---- the treap ------------------------------------------------------------------------------------

    private long removedSize;

    private int newNode(long k, long b, long s, long r) {
        int n;
        if (recycled != 0) {
            n = recycled;
            recycled = left[n];
        } else {
            if (used == key.length) {
                grow();
            }
            n = used++;
        }
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        key[n] = k;
        block[n] = b;
        size[n] = s;
        max[n] = s;
        room16[n] = r;
        max16[n] = r;
        left[n] = 0;
        right[n] = 0;
        priority[n] = seed;
        return n;
    }

    private void grow() {
        int n = key.length * 2;
        key = Arrays.copyOf(key, n);
        block = Arrays.copyOf(block, n);
        size = Arrays.copyOf(size, n);
        max = Arrays.copyOf(max, n);
        room16 = Arrays.copyOf(room16, n);
        max16 = Arrays.copyOf(max16, n);
        left = Arrays.copyOf(left, n);
        right = Arrays.copyOf(right, n);
        priority = Arrays.copyOf(priority, n);
    }

    private void pull(int t) {
        max[t] = Math.max(size[t], Math.max(max[left[t]], max[right[t]]));
        max16[t] = Math.max(room16[t], Math.max(max16[left[t]], max16[right[t]]));
    }

    private int insert(int t, int n) {
        if (t == 0) {
            return n;
        }
        if (priority[n] > priority[t]) {
            split(t, key[n]);
            left[n] = lower;
            right[n] = upper;
            pull(n);
            return n;
        }
        if (key[n] < key[t]) {
            left[t] = insert(left[t], n);
        } else {
            right[t] = insert(right[t], n);
        }
        pull(t);
        return t;
    }

    /** Splits {@code t} into {@link #lower} (keys below {@code k}) and {@link #upper} (the rest). */
    private void split(int t, long k) {
        if (t == 0) {
            lower = 0;
            upper = 0;
        } else if (key[t] < k) {
            split(right[t], k);
            right[t] = lower;
            pull(t);
            lower = t;
        } else {
            split(left[t], k);
            left[t] = upper;
            pull(t);
            upper = t;
        }
    }

    private int merge(int a, int b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        if (priority[a] > priority[b]) {
            right[a] = merge(right[a], b);
            pull(a);
            return a;
        }
        left[b] = merge(a, left[b]);
        pull(b);
        return b;
    }

    private int remove(int t, long k) {
        if (t == 0) {
            throw new IllegalStateException("free-block tree: no block under key " + Long.toHexString(k));
        }
        if (key[t] == k) {
            removedSize = size[t];
            int m = merge(left[t], right[t]);
            left[t] = recycled;
            recycled = t;
            return m;
        }
        if (k < key[t]) {
            left[t] = remove(left[t], k);
        } else {
            right[t] = remove(right[t], k);
        }
        pull(t);
        return t;
    }

    private void resize(int t, long k, long s, long r) {
        if (t == 0) {
            throw new IllegalStateException("free-block tree: no block under key " + Long.toHexString(k));
        }
        if (key[t] == k) {
            removedSize = size[t];
            size[t] = s;
            room16[t] = r;
        } else if (k < key[t]) {
            resize(left[t], k, s, r);
        } else {
            resize(right[t], k, s, r);
        }
        pull(t);
    }
}
