package org.alloclab.harness.workload;

import java.util.List;

/**
 * The footprint of an <em>ideal</em> allocator on a workload: the peak over time of the live blocks' sizes,
 * each rounded up to the alignment its allocation asked for (16 bytes for a trace by default, what
 * {@code malloc} promises on x86-64), with no metadata and no holes between blocks. No allocator can hold
 * the workload's blocks in less, so it is the floor a strategy's peak committed bytes are compared with.
 *
 * <p>Two passes over the operations, O(n), untimed and cheap: a {@link Operations.Kind#REALLOCATE} changes
 * its slot's rounded size (its alignment stays the allocation's), a {@link Operations.Kind#FREE} takes the
 * slot's block away; the other kinds change nothing (a phase or frame end follows the frees of its blocks).
 *
 * <h2>Several streams</h2>
 * With several threads each stream counts what it allocates and resizes, and subtracts what it frees (a block
 * handed over to another thread is subtracted by the thread that frees it). No thread passes a meeting point
 * ({@link Operations.Kind#BARRIER}, {@link Operations.Kind#PHASE_END}) before all have reached it, so at any
 * moment all threads are between the same two meeting points; the floor is, over those intervals, the largest
 * sum of each stream's peak within the interval: the floor when the threads' peaks coincide. For {@code T}
 * copies of one stream (a trace replayed by every thread) that is exactly {@code T} × one copy's floor. No
 * interleaving of the threads needs more; one where their peaks do not coincide may need less, so a threaded
 * run's ratio to it is a lower estimate.
 */
public final class IdealFootprint {

    private IdealFootprint() {
    }

    /** {@code size} rounded up to a multiple of {@code alignment} (an alignment below 1 counts as 1). */
    public static long rounded(long size, long alignment) {
        long a = Math.max(1, alignment);
        return Math.ceilDiv(Math.max(0, size), a) * a;
    }

    /** The ideal footprint of one stream of operations, in bytes. */
    public static long of(Operations ops) {
        return of(List.of(ops));
    }

    /** The ideal footprint of a workload of one or several streams (see the class comment), in bytes. */
    public static long of(List<Operations> streams) {
        return of(streams, Long.MAX_VALUE);
    }

    /**
     * The ideal footprint of a workload as a replay that sends no request above {@code maxRequest} makes it: an
     * allocation above it is never made (nor its block's resizes and free), a resize above it leaves the block as it
     * was. The floor of what the allocator was asked to hold, not of requests it never saw: a trace line asking for a
     * terabyte, refused by the harness, would otherwise make every strategy's ratio to the floor 0.00.
     */
    public static long of(List<Operations> streams, long maxRequest) {
        int space = Streams.slotSpace(streams);
        // Each slot's alignment and rounded size as allocated, first: a block handed over is resized and freed by
        // a stream that may be counted before the one that allocated it. Only that one stream touches it after.
        long[] held = new long[space];          // the rounded bytes of each slot's block, 0 once freed
        int[] alignment = new int[space];       // each slot's alignment (at least 1); 0: never allocated
        for (Operations ops : streams) {
            for (int i = 0; i < ops.size(); i++) {
                if (ops.kind(i) == Operations.Kind.ALLOCATE && ops.requestSize(i) <= maxRequest) {
                    int a = (int) Math.max(1, ops.alignment(i));
                    alignment[ops.slot(i)] = a;
                    held[ops.slot(i)] = rounded(ops.requestSize(i), a);
                }
            }
        }
        boolean meetings = streams.size() > 1;
        int intervals = 1;
        for (Operations ops : streams) {
            intervals = Math.max(intervals, meetings ? Streams.meetingPoints(ops) + 1 : 1);
        }
        long[] sum = new long[intervals];       // the sum of the streams' peaks in each interval between meetings
        for (Operations ops : streams) {
            long live = 0;                      // what this stream allocated, less what it freed
            long peak = 0;
            int k = 0;
            for (int i = 0; i < ops.size(); i++) {
                if (meetings && Streams.meets(ops, i)) {
                    sum[k++] += peak;
                    peak = live;
                    continue;
                }
                live += step(ops, i, held, alignment, maxRequest);
                peak = Math.max(peak, live);
            }
            sum[k++] += peak;
            for (; k < intervals; k++) {        // a stream with fewer meeting points (Streams.check rules it out)
                sum[k] += live;
            }
        }
        long floor = 0;
        for (long s : sum) {
            floor = Math.max(floor, s);
        }
        return floor;
    }

    /** Does operation {@code i}; returns the change of the live rounded bytes. */
    private static long step(Operations ops, int i, long[] held, int[] alignment, long maxRequest) {
        int slot = ops.slot(i);
        switch (ops.kind(i)) {
            case ALLOCATE -> {
                // held[slot] already, unless the slot is used again by this stream after its free (a trace's)
                if (ops.requestSize(i) > maxRequest) {
                    alignment[slot] = 0;        // never made: its resizes and free change nothing
                    held[slot] = 0;
                    return 0;
                }
                int a = (int) Math.max(1, ops.alignment(i));
                alignment[slot] = a;
                held[slot] = rounded(ops.requestSize(i), a);
                return held[slot];
            }
            case REALLOCATE -> {
                if (alignment[slot] == 0 || ops.requestSize(i) > maxRequest) {
                    return 0;                   // a block never allocated, or a resize never asked for
                }
                long bytes = rounded(ops.requestSize(i), alignment[slot]);
                long before = held[slot];
                held[slot] = bytes;
                return bytes - before;
            }
            case FREE -> {
                long before = held[slot];
                held[slot] = 0;
                return -before;
            }
            default -> {
                return 0;
            }
        }
    }
}
