package org.alloclab.harness.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.alloclab.api.Allocator;
import org.alloclab.api.Frame;
import org.alloclab.api.Memory;
import org.alloclab.debug.DebugLayer;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;

/**
 * One thread's replay of one stream of operations: the loop every replay runs, whether the workload has one
 * stream (replayed by the calling thread) or several (one platform thread each, see {@link ThreadedReplay}).
 * What the threads of a replay share — the slots' addresses, the meeting points, the first error — is a
 * {@link Replay}; what is one thread's — its histograms, its live bytes, its counts — is here.
 *
 * <h2>Slots</h2>
 * A slot's address is written with release and read with acquire semantics ({@link VarHandle}): a thread
 * writes the requested size and the block's contents, then publishes the address; a thread that frees or
 * resizes a slot another thread allocates reads the address and, while it is still 0, waits — spinning
 * with {@link Thread#onSpinWait()}, then yielding, then parking briefly, so an oversubscribed machine still
 * makes progress. One stream never waits: it allocated every slot it uses itself. A failed allocation
 * publishes {@link #FAILED}, so an operation on the slot is skipped. Waits are outside the timed sections.
 *
 * <h2>After each operation</h2>
 * The loop tells its {@link Probe} the operation's index and the live bytes: the one-thread probe samples
 * the footprint there (its time is excluded from the replay's), a thread of several publishes its live
 * bytes and progress for the sampler of {@link ThreadedReplay}.
 */
final class StreamReplay {

    /** A slot's address after its allocation failed: an operation on it is skipped. */
    static final long FAILED = -1;
    /** A slot's address after its free. */
    static final long FREED = -2;

    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Told after every operation; called outside the timed sections. */
    interface Probe {
        /** Operation {@code i} is done and the stream's live bytes are {@code live}. */
        void after(int i, long live);
    }

    private final int id;
    private final Operations ops;
    private final Replay replay;
    private final Probe probe;
    private final DebugLayer[] siteTakers;
    final Histogram allocateTimes = new Histogram(3);
    final Histogram freeTimes = new Histogram(3);
    final Histogram reallocTimes = new Histogram(3);
    final Histogram frameTimes = new Histogram(3);
    final ArrayDeque<Frame> frames = new ArrayDeque<>();
    long live;
    long peakLive;
    long failures;
    long skipped;
    long deferred;
    private int meetingsPassed;

    /**
     * @param id         the stream's index among the replay's
     * @param ops        the stream
     * @param replay     what the replay's threads share
     * @param probe      told after every operation
     * @param siteTakers the debugging layers to hand a trace's recorded sites to, or null
     */
    StreamReplay(int id, Operations ops, Replay replay, Probe probe, DebugLayer[] siteTakers) {
        this.id = id;
        this.ops = ops;
        this.replay = replay;
        this.probe = probe;
        this.siteTakers = siteTakers;
    }

    /** Thrown inside a thread that stops because another one failed; never escapes the replay. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /**
     * Replays the stream. With several streams an error is wrapped with the thread and the operation it
     * happened at; alone, it is thrown as the allocator threw it.
     */
    void run() {
        final Allocator allocator = replay.allocator;
        final Memory memory = replay.memory;
        final long[] address = replay.address;
        final long[] requested = replay.requested;
        final boolean canFree = replay.canFree;
        final boolean canRealloc = replay.canRealloc;
        final boolean framesForWorkload = replay.framesForWorkload;
        final Replayer.Touch touch = replay.touch;
        final int n = ops.size();
        final long mask = replay.latencySampling - 1;
        long dice = 0x9E3779B97F4A7C15L ^ (id * 0xD1B54A32D192ED03L);
        if (dice == 0) {
            dice = 1;
        }
        int i = 0;
        try {
            for (; i < n; i++) {
                dice ^= dice << 13;
                dice ^= dice >>> 7;
                dice ^= dice << 17;
                boolean timed = (dice & mask) == 0;
                int slot = ops.slot(i);
                switch (ops.kind(i)) {
                    case ALLOCATE -> {
                        long size = ops.requestSize(i);
                        if (siteTakers != null) {
                            recordedSite(ops.site(i));
                        }
                        long t0 = timed ? System.nanoTime() : 0;
                        long a = allocator.allocate(size, ops.alignment(i));
                        if (timed) {
                            allocateTimes.recordValue(System.nanoTime() - t0);
                        }
                        if (a == 0) {
                            failures++;
                            LONGS.setRelease(address, slot, FAILED);
                        } else {
                            requested[slot] = size;
                            Replayer.touch(touch, memory, a, size, slot);
                            LONGS.setRelease(address, slot, a);
                            live += size;
                        }
                    }
                    case FREE -> {
                        long a = acquire(address, slot, i);
                        if (a < 0) {
                            skipped++;
                        } else {
                            if (canFree) {
                                long t0 = timed ? System.nanoTime() : 0;
                                allocator.free(a);
                                if (timed) {
                                    freeTimes.recordValue(System.nanoTime() - t0);
                                }
                            } else {
                                deferred++;
                            }
                            LONGS.setOpaque(address, slot, FREED);
                            live -= requested[slot];
                        }
                    }
                    case REALLOCATE -> {
                        long a = acquire(address, slot, i);
                        if (a < 0) {
                            skipped++;
                        } else {
                            long size = ops.requestSize(i);
                            if (siteTakers != null) {
                                recordedSite(ops.site(i));
                            }
                            long t0 = timed ? System.nanoTime() : 0;
                            long moved = canRealloc ? allocator.reallocate(a, size)
                                    : Replayer.emulateReallocate(allocator, a, requested[slot], size, canFree);
                            if (timed) {
                                reallocTimes.recordValue(System.nanoTime() - t0);
                            }
                            if (moved == 0) {
                                failures++;
                            } else {
                                live += size - requested[slot];
                                requested[slot] = size;
                                LONGS.setRelease(address, slot, moved);
                            }
                        }
                    }
                    case PHASE_END -> {
                        if (replay.meetings == null) {
                            replay.resetAtPhaseEnd();
                        } else {
                            replay.phaseEnds.incrementAndGet();
                            meet(i);
                        }
                    }
                    case BARRIER -> {
                        if (replay.meetings != null) {
                            meet(i);
                        }                                    // one thread meets only itself
                    }
                    case FRAME_BEGIN -> {
                        if (framesForWorkload) {
                            long t0 = System.nanoTime();
                            frames.push(allocator.pushFrame());
                            frameTimes.recordValue(System.nanoTime() - t0);
                        }
                    }
                    case FRAME_END -> {
                        if (framesForWorkload) {
                            long t0 = System.nanoTime();
                            allocator.popFrame(frames.pop());
                            frameTimes.recordValue(System.nanoTime() - t0);
                        }
                    }
                }
                if (live > peakLive) {
                    peakLive = live;
                }
                probe.after(i, live);
            }
        } catch (Stopped stopped) {
            throw stopped;
        } catch (RuntimeException | Error e) {
            if (replay.meetings == null) {
                throw e;
            }
            throw new IllegalStateException("thread " + id + " of " + replay.threads + ", operation " + i + " ("
                    + ops.kind(i) + (ops.slot(i) >= 0 ? " of slot " + ops.slot(i) : "") + "): " + e.getMessage(), e);
        }
    }

    private void recordedSite(String site) {
        if (site != null) {
            for (DebugLayer layer : siteTakers) {
                layer.nextSite(site);
            }
        }
    }

    /**
     * The address of slot {@code slot} for operation {@code i}: as published, or once another thread has published
     * it; negative when its allocation failed ({@link #FAILED}) or it was freed.
     */
    private long acquire(long[] address, int slot, int i) {
        long a = (long) LONGS.getAcquire(address, slot);
        return a != 0 ? a : awaitAllocation(slot, i);
    }

    /** Waits until another thread has published slot {@code slot}'s allocation; returns its address. */
    private long awaitAllocation(int slot, int i) {
        long started = System.nanoTime();
        for (long spins = 1; ; spins++) {
            long a = (long) LONGS.getAcquire(replay.address, slot);
            if (a != 0) {
                return a;
            }
            if (spins < 1_000) {
                Thread.onSpinWait();
            } else if (spins < 2_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(20_000);
            }
            if ((spins & 63) == 0) {
                if (replay.failed) {
                    throw new Stopped();
                }
                if (System.nanoTime() - started > replay.waitNanos) {
                    replay.fail(new IllegalStateException(String.format(
                            "thread %d of %d waited %d s at operation %d (%s of slot %d) for another thread to "
                                    + "allocate that slot; the thread that allocates it is stuck or far too slow",
                            id, replay.threads, TimeUnit.NANOSECONDS.toSeconds(replay.waitNanos), i, ops.kind(i), slot)));
                    throw new Stopped();
                }
            }
        }
    }

    /** Arrives at a meeting point and waits for every other thread. */
    private void meet(int i) {
        int phase = replay.meetings.arrive();
        meetingsPassed++;
        if (phase < 0) {
            throw new Stopped();
        }
        long started = System.nanoTime();
        while (true) {
            try {
                if (replay.meetings.awaitAdvanceInterruptibly(phase, Replay.POLL, TimeUnit.NANOSECONDS) < 0) {
                    throw new Stopped();
                }
                return;
            } catch (TimeoutException e) {
                if (replay.failed) {
                    throw new Stopped();
                }
                if (System.nanoTime() - started > replay.waitNanos) {
                    replay.fail(new IllegalStateException(String.format(
                            "thread %d of %d waited %d s at meeting point %d (operation %d, %s) for the other "
                                    + "threads; one of them is stuck or far too slow",
                            id, replay.threads, TimeUnit.NANOSECONDS.toSeconds(replay.waitNanos), meetingsPassed, i,
                            ops.kind(i))));
                    throw new Stopped();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("thread " + id + " was interrupted at a meeting point", e);
            }
        }
    }
}
