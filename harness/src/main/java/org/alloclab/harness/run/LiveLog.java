package org.alloclab.harness.run;

import java.util.List;

/**
 * One replay thread's changes of live bytes, each with the moment it took effect, so that the live bytes of all
 * threads together — and their peak — are known exactly once the replay is over.
 *
 * <h2>Why a log, and not a shared counter</h2>
 * Several threads change one total. Summing per-thread counters from another thread now and then (what a
 * sampler can do) misses every peak shorter than its interval: xmalloc on four threads gave peaks from 528
 * to 1,022 KiB for the same operations. A shared atomic total updated by every operation would be exact, but it is a
 * cache line every thread writes on every call: it adds the harness's own contention to the allocator's and
 * changes the very scalability a threaded run measures. A log is written by its own thread only, into an array
 * sized before the replay starts: one {@code System.nanoTime()} per operation that changes live bytes (the
 * timed calls reuse the clock readings they make anyway), no sharing, no allocation. Its cost is in the
 * harness's calibrated cost per operation like the rest of the loop. The logs are merged after the replay,
 * outside its time.
 *
 * <h2>When a change takes effect</h2>
 * A block is live from the moment its allocation returned (the stamp is read after the call, before the
 * address is published) until the moment its free was called (read before the call); a resize that grows
 * counts from its return, one that shrinks from its call. So at any moment every byte counted live is held
 * by the allocator for the whole of that moment, and a committed figure read at that moment can never be
 * below it. The clock is the system's monotonic one, the same for every thread, and a block handed to another
 * thread is freed only after that thread saw its address, so its free's stamp is never before its
 * allocation's. Changes stamped alike are taken in thread order.
 *
 * <p>Each record is two longs (16 bytes) per operation that changes live bytes, the same order of size as
 * the operations themselves.
 */
final class LiveLog {

    private final long[] stamps;
    private final long[] deltas;
    private int size;

    /** A log for at most {@code capacity} changes. */
    LiveLog(int capacity) {
        stamps = new long[capacity];
        deltas = new long[capacity];
    }

    /** Live bytes changed by {@code delta} at {@code nanoTime}. */
    void add(long nanoTime, long delta) {
        stamps[size] = nanoTime;
        deltas[size] = delta;
        size++;
    }

    /** Changes recorded. */
    int size() {
        return size;
    }

    /**
     * A moment a footprint sample read committed bytes in: the clock before and after the read.
     *
     * @param from {@code System.nanoTime()} before the read
     * @param to   {@code System.nanoTime()} after it
     */
    record Window(long from, long to) {
    }

    /**
     * The logs merged in time order.
     *
     * @param peak   the highest live bytes of all threads together at any moment
     * @param during for each window, in the order given, the least live bytes of all threads together at any
     *               moment inside it (so a committed figure read inside it is at least that much)
     */
    record Merged(long peak, long[] during) {
    }

    /**
     * Merges {@code logs} (one per thread, each in time order) and finds the peak of their sum, and its least
     * value inside each of {@code windows} (in time order, not overlapping).
     */
    static Merged merge(List<LiveLog> logs, List<Window> windows) {
        int threads = logs.size();
        int[] next = new int[threads];
        int[] heap = new int[threads];                // threads with changes left, by their next stamp
        int heapSize = 0;
        for (int t = 0; t < threads; t++) {
            if (logs.get(t).size > 0) {
                heap[heapSize++] = t;
                up(heap, heapSize - 1, logs, next);
            }
        }
        long[] during = new long[windows.size()];
        int w = 0;
        long live = 0;
        long peak = 0;
        long least = Long.MAX_VALUE;                  // the least live bytes seen inside window w so far
        while (heapSize > 0) {
            int t = heap[0];
            LiveLog log = logs.get(t);
            long stamp = log.stamps[next[t]];
            while (w < windows.size() && windows.get(w).to() < stamp) {   // window w ends before this change
                during[w] = Math.min(least, live);
                least = Long.MAX_VALUE;
                w++;
            }
            if (w < windows.size() && windows.get(w).from() <= stamp) {
                least = Math.min(least, live);       // the value held at the window's start, or before this change
            }
            live += log.deltas[next[t]];
            peak = Math.max(peak, live);
            if (w < windows.size() && windows.get(w).from() <= stamp) {
                least = Math.min(least, live);
            }
            if (++next[t] < log.size) {
                down(heap, heapSize, logs, next);
            } else {
                heap[0] = heap[--heapSize];
                down(heap, heapSize, logs, next);
            }
        }
        for (; w < windows.size(); w++) {
            during[w] = Math.min(least, live);
            least = Long.MAX_VALUE;
        }
        return new Merged(peak, during);
    }

    /** Whether thread {@code a}'s next change comes before thread {@code b}'s (stamps, then thread order). */
    private static boolean before(int a, int b, List<LiveLog> logs, int[] next) {
        long sa = logs.get(a).stamps[next[a]];
        long sb = logs.get(b).stamps[next[b]];
        return sa < sb || (sa == sb && a < b);
    }

    private static void up(int[] heap, int i, List<LiveLog> logs, int[] next) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!before(heap[i], heap[parent], logs, next)) {
                return;
            }
            int x = heap[i];
            heap[i] = heap[parent];
            heap[parent] = x;
            i = parent;
        }
    }

    private static void down(int[] heap, int size, List<LiveLog> logs, int[] next) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int least = i;
            if (l < size && before(heap[l], heap[least], logs, next)) {
                least = l;
            }
            if (r < size && before(heap[r], heap[least], logs, next)) {
                least = r;
            }
            if (least == i) {
                return;
            }
            int x = heap[i];
            heap[i] = heap[least];
            heap[least] = x;
            i = least;
        }
    }
}
