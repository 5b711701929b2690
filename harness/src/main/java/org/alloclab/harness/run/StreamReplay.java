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
 * the footprint there (its time is excluded from the replay's), a thread of several publishes its progress
 * for the sampler of {@link ThreadedReplay}. A thread of several also writes every change of its live bytes,
 * with the moment it took effect, into its {@link LiveLog}, from which the live bytes of all threads together
 * are known exactly after the replay.
 *
 * <h2>What the harness will not ask or write</h2>
 * A request (allocation or resize) above the replay's ceiling, {@code max-request}, is never sent to the
 * allocator: it is counted in {@link #refused}, and the slot is treated as a failed allocation (its later
 * operations are skipped) or, for a resize, keeps its block as a failed resize does. A trace line asking for
 * a terabyte, granted by a native allocator that maps it lazily and then written whole, would otherwise end
 * the JVM, or the machine, in the kernel's out-of-memory killer.
 *
 * <p>With {@code touch = all}, each thread writes whole blocks only while the bytes it has written into
 * blocks still held stay within its share ({@code 1/threads}) of the replay's touch limit (see
 * {@link Replayer#touchLimit}); a block past it gets only its first bytes written, as with {@code touch =
 * first}, and is counted in {@link #touchLimited}. Since no thread's account exceeds its share, the bytes
 * written into live blocks of all threads together never exceed the limit, whatever the interleaving, and
 * which blocks are limited depends only on each thread's own operations, so it repeats exactly. A free gives
 * its block's written bytes back; a deferred free (a strategy without single-block free) does not, as the
 * block is still held, until the strategy is reset.
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
    /** Null for the one-thread replay, whose live bytes are exact without it. */
    final LiveLog log;
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
    /** Requests above the ceiling, never sent to the allocator. */
    long refused;
    /** Blocks that got only their first bytes written because whole ones would have passed the touch limit. */
    long touchLimited;
    /** Bytes this thread has written into blocks still held (with {@code touch = all}). */
    private long written;
    /** How many resets of the strategy this thread has seen pass (a reset gives every written byte back). */
    private int resetsSeen;
    private int meetingsPassed;

    /**
     * @param id         the stream's index among the replay's
     * @param ops        the stream
     * @param replay     what the replay's threads share
     * @param probe      told after every operation
     * @param siteTakers the debugging layers to hand a trace's recorded sites to, or null
     * @param log        where the changes of live bytes are written with their moments, or null (one thread)
     */
    StreamReplay(int id, Operations ops, Replay replay, Probe probe, DebugLayer[] siteTakers, LiveLog log) {
        this.id = id;
        this.ops = ops;
        this.replay = replay;
        this.probe = probe;
        this.siteTakers = siteTakers;
        this.log = log;
    }

    /** A log large enough for every change of live bytes {@code ops} can make. */
    static LiveLog logFor(Operations ops) {
        long[] byKind = ops.countByKind();
        return new LiveLog(Math.toIntExact(byKind[Kind.ALLOCATE.ordinal()] + byKind[Kind.FREE.ordinal()]
                + byKind[Kind.REALLOCATE.ordinal()]));
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
        final long maxRequest = replay.maxRequest;
        final long[] writtenBytes = replay.written;       // null unless every byte is written
        final long touchShare = replay.touchLimit / replay.threads;
        final LiveLog log = this.log;
        final boolean logged = log != null;
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
                        if (size > maxRequest) {
                            refused++;
                            LONGS.setRelease(address, slot, FAILED);
                            break;
                        }
                        if (siteTakers != null) {
                            recordedSite(ops.site(i));
                        }
                        long t0 = timed ? System.nanoTime() : 0;
                        long a = allocator.allocate(size, ops.alignment(i));
                        long t1 = timed || logged ? System.nanoTime() : 0;
                        if (timed) {
                            allocateTimes.recordValue(t1 - t0);
                        }
                        if (a == 0) {
                            failures++;
                            LONGS.setRelease(address, slot, FAILED);
                        } else {
                            requested[slot] = size;
                            if (writtenBytes == null) {
                                Replayer.touch(touch, memory, a, size, slot);
                            } else if (written + size <= touchShare) {
                                Replayer.touch(Replayer.Touch.ALL, memory, a, size, slot);
                                written += size;
                                writtenBytes[slot] = size;
                            } else {
                                Replayer.touch(Replayer.Touch.FIRST, memory, a, size, slot);
                                touchLimited++;
                            }
                            if (logged) {
                                log.add(t1, size);
                            }
                            LONGS.setRelease(address, slot, a);
                            live += size;
                        }
                    }
                    case FREE -> {
                        long a = acquire(address, slot, i);
                        if (a < 0) {
                            skipped++;
                        } else {
                            long t0 = timed || logged ? System.nanoTime() : 0;
                            if (canFree) {
                                allocator.free(a);
                                if (timed) {
                                    freeTimes.recordValue(System.nanoTime() - t0);
                                }
                                if (writtenBytes != null) {
                                    written -= writtenBytes[slot];
                                    writtenBytes[slot] = 0;
                                }
                            } else {
                                deferred++;                  // still held: its written bytes stay counted
                            }
                            if (logged) {
                                log.add(t0, -requested[slot]);
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
                            if (size > maxRequest) {
                                refused++;                   // the block stays as it was, as after a failed resize
                                break;
                            }
                            if (siteTakers != null) {
                                recordedSite(ops.site(i));
                            }
                            long t0 = timed || logged ? System.nanoTime() : 0;
                            long moved = canRealloc ? allocator.reallocate(a, size)
                                    : Replayer.emulateReallocate(allocator, a, requested[slot], size, canFree);
                            long t1 = timed || logged ? System.nanoTime() : 0;
                            if (timed) {
                                reallocTimes.recordValue(t1 - t0);
                            }
                            if (moved == 0) {
                                failures++;
                            } else {
                                long delta = size - requested[slot];
                                if (logged) {
                                    log.add(delta > 0 ? t1 : t0, delta);   // a growth from its return, a shrink from its call
                                }
                                if (writtenBytes != null && writtenBytes[slot] > size) {
                                    written -= writtenBytes[slot] - size;
                                    writtenBytes[slot] = size;
                                }
                                live += delta;
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
                        if (replay.resets != resetsSeen) {  // the strategy was reset: every deferred block is gone
                            resetsSeen = replay.resets;
                            written = 0;
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
