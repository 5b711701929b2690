package org.alloclab.slab;

import java.util.concurrent.locks.ReentrantLock;

import org.alloclab.api.Memory;

/**
 * The central list of one slot size: spans of that size with free slots, under one lock of its own (never
 * a lock shared between sizes). Caches take slots from it in batches and give them back in batches; a
 * span whose slots have all come back goes to the page heap at once, which decommits it.
 */
final class SlotPool {

    final int sizeClass;
    final int slotSize;
    final int spanPages;
    final long alignment;
    private final PageHeap heap;
    private final SlotConstructor init;
    private final Memory memory;
    final ReentrantLock lock = new ReentrantLock();

    private Span partial;          // spans with at least one free slot; the head is used first
    private long spans;
    private long freeSlots;        // free in spans, not cached
    private long slotsOut;         // handed from spans to caches or users: live or cached
    private long lockWaits;

    SlotPool(int sizeClass, int slotSize, int spanPages, PageHeap heap, SlotConstructor init, Memory memory) {
        this.sizeClass = sizeClass;
        this.slotSize = slotSize;
        this.spanPages = spanPages;
        this.alignment = Long.lowestOneBit(slotSize);
        this.heap = heap;
        this.init = init;
        this.memory = memory;
    }

    private void lock() {
        if (!lock.tryLock()) {
            lock.lock();
            lockWaits++;
        }
    }

    /**
     * Takes up to {@code max} slots into {@code out[from…]}, making spans as needed.
     *
     * @return how many were taken: fewer than {@code max} only when the page heap could not make a span
     */
    int fill(long[] out, int from, int max) {
        lock();
        try {
            int n = 0;
            while (n < max) {
                Span s = partial;
                if (s == null) {
                    s = newSpan();
                    if (s == null) {
                        break;
                    }
                }
                while (n < max && s.freeCount > 0) {
                    out[from + n++] = s.slotAddress(s.free[--s.freeCount]);
                }
                if (s.freeCount == 0) {
                    unlist(s);
                }
            }
            freeSlots -= n;
            slotsOut += n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    private Span newSpan() {
        Span s = heap.allocate(spanPages, heap.pageSize, sizeClass, slotSize);
        if (s == null) {
            return null;
        }
        if (init != null) {
            for (int i = 0; i < s.capacity; i++) {
                init.construct(memory, s.slotAddress(i), slotSize);
            }
        }
        spans++;
        freeSlots += s.capacity;
        list(s);
        return s;
    }

    /**
     * Gives back {@code count} slots of this size from {@code items[from…]} (each the start of a slot that is
     * not live and not free in its span: the callers' caches guarantee it). Emptied spans go to the page heap.
     */
    void release(long[] items, int from, int count) {
        lock();
        try {
            for (int i = from; i < from + count; i++) {
                releaseLocked(items[i]);
            }
        } finally {
            lock.unlock();
        }
    }

    /** One slot at a time, for caching layers that are switched off. */
    long takeOne() {
        lock();
        try {
            Span s = partial != null ? partial : newSpan();
            if (s == null) {
                return 0;
            }
            long a = s.slotAddress(s.free[--s.freeCount]);
            freeSlots--;
            slotsOut++;
            if (s.freeCount == 0) {
                unlist(s);
            }
            return a;
        } finally {
            lock.unlock();
        }
    }

    /** Gives back one slot, as {@link #release} does. */
    void releaseOne(long address) {
        lock();
        try {
            releaseLocked(address);
        } finally {
            lock.unlock();
        }
    }

    private void releaseLocked(long address) {
        slotsOut--;
        Span s = heap.spanOf(address);
        s.free[s.freeCount++] = s.slotAt(address);
        if (s.freeCount == s.capacity) {
            if (s.listed) {
                unlist(s);
            }
            freeSlots -= s.capacity - 1;
            spans--;
            heap.release(s);
        } else {
            freeSlots++;
            if (!s.listed) {
                list(s);
            }
        }
    }

    private void list(Span s) {
        s.prev = null;
        s.next = partial;
        if (partial != null) {
            partial.prev = s;
        }
        partial = s;
        s.listed = true;
    }

    private void unlist(Span s) {
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            partial = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.listed = false;
    }

    /** Forgets every span (the page heap was released as a whole). */
    void clear() {
        lock();
        try {
            partial = null;
            spans = 0;
            freeSlots = 0;
            slotsOut = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Checks the partial list against the spans' free counts. Caller holds the lock. */
    void verifyList(String strategy, String name) {
        long listed = 0;
        long free = 0;
        for (Span s = partial; s != null; s = s.next) {
            listed++;
            free += s.freeCount;
            if (s.freeCount == 0 || s.freeCount == s.capacity || !s.listed || s.slotSize != slotSize) {
                throw new IllegalStateException(strategy + ": " + name + "'s list holds a span at "
                        + Long.toHexString(s.start) + " with " + s.freeCount + " of " + s.capacity + " slots free");
            }
            if (s.next != null && s.next.prev != s) {
                throw new IllegalStateException(strategy + ": " + name + "'s list is broken after "
                        + Long.toHexString(s.start));
            }
        }
        if (free != freeSlots) {
            throw new IllegalStateException(strategy + ": " + name + " counts " + freeSlots + " free slots, its spans hold "
                    + free);
        }
        if (listed > spans) {
            throw new IllegalStateException(strategy + ": " + name + " lists " + listed + " spans of " + spans);
        }
    }

    long spans() {
        return spans;
    }

    long freeSlots() {
        return freeSlots;
    }

    /** Slots out of the spans: live or in some cache. */
    long slotsOut() {
        return slotsOut;
    }


    long lockWaits() {
        return lockWaits;
    }


}
