package org.alloclab.harness.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Memory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.alloclab.harness.workload.Streams;

/**
 * Replays a workload of several streams (see {@link Operations}) on as many platform threads, started
 * together, against one thread-safe allocator. What {@link Replayer} does for one thread, each thread does
 * for its stream — timing one call in {@code latencySampling} into histograms of its own, counting its own
 * live bytes — and what the threads share is kept to the handovers:
 *
 * <h2>Handovers</h2>
 * The slots' addresses are one {@code long[]} written with release and read with acquire semantics
 * ({@link VarHandle}): a thread writes the requested size and the block's contents, then publishes the
 * address; a thread that frees or resizes a slot another thread allocates reads the address and, while
 * it is still 0, waits — spinning with {@link Thread#onSpinWait()}, then yielding, then parking briefly,
 * so an oversubscribed machine still makes progress. A failed allocation publishes {@link #FAILED} so the
 * waiter skips the slot as the one-thread replay does. Waits are outside the timed sections.
 *
 * <h2>Meetings</h2>
 * {@link Kind#BARRIER} and {@link Kind#PHASE_END} are a {@link Phaser} with one party per thread. When every
 * thread arrived at a {@code PHASE_END}, the last to arrive resets a strategy that resets at phase ends
 * (while the others wait, so the reset is safe), timed into the run's {@code reset} histogram. Frames are
 * not replayed for strategies without free: frames of several threads in one allocator do not nest.
 *
 * <h2>Never hanging</h2>
 * A wait that lasts longer than the timeout fails the run with a message naming the thread, the slot or
 * meeting point and the operation. Any failure of one thread — an exception from the allocator, a timeout
 * — is recorded first, then stops every other thread (the phaser is terminated, spinners look at a flag),
 * and the replay throws it with the thread and operation it happened at. The streams are checked
 * ({@link Streams#check}) before any strategy runs, so a cyclic wait in a generator never gets here.
 *
 * <h2>Footprint and throughput</h2>
 * Each thread publishes its live bytes and operations done (opaque writes into a cache line of its own).
 * The calling thread, idle otherwise, samples their sums with the run's committed and resident bytes at
 * intervals of time (from 1 ms, at least ten times the probe's own cost, doubling whenever the timeline
 * has a thousand samples, which it then thins). So with several threads peak live bytes are the highest
 * <em>sampled</em> sum, not exact as with one; peak committed bytes stay exact for alloclab's virtual
 * memories. Elapsed time is wall time from the common start to the last thread's end, probes included
 * (they run on their own thread); throughput is all streams' operations over it.
 */
final class ThreadedReplay {

    /** A slot's address after its allocation failed: an operation on it is skipped. */
    static final long FAILED = -1;
    /** A slot's address after its free. */
    static final long FREED = -2;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per thread in the counters array: its two counters and padding to keep cache lines apart. */
    private static final int STRIDE = 16;
    private static final int MAX_SAMPLES = 1000;
    private static final long FIRST_INTERVAL = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long POLL = TimeUnit.MILLISECONDS.toNanos(100);

    private final Replayer.Touch touch;
    private final int latencySampling;
    private final Replayer.Progress progress;
    private final long waitNanos;

    ThreadedReplay(Replayer.Touch touch, int latencySampling, Replayer.Progress progress, java.time.Duration wait) {
        this.touch = touch;
        this.latencySampling = latencySampling;
        this.progress = progress;
        this.waitNanos = wait.toNanos();
    }

    /** Thrown inside a worker that stops because another one failed; never escapes the worker. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** What the threads of one replay share. */
    private final class Shared {
        final int threads;
        final Allocator allocator;
        final Memory memory;
        final boolean canFree;
        final boolean canRealloc;
        final boolean resetAtPhaseEnd;
        final long[] address;
        final long[] requested;
        final long[] counters;
        final Phaser meetings;
        final AtomicInteger phaseEnds = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final Histogram resetTimes = new Histogram(3);     // only touched by the phaser's last arriver
        volatile boolean failed;

        Shared(int threads, int slots, Allocator allocator) {
            this.threads = threads;
            this.allocator = allocator;
            this.memory = allocator.memory();
            this.canFree = allocator.supports(Capability.FREE);
            this.canRealloc = allocator.supports(Capability.REALLOCATE);
            this.resetAtPhaseEnd = !canFree && allocator.supports(Capability.RESET);
            this.address = new long[slots];
            this.requested = new long[slots];
            this.counters = new long[(threads + 1) * STRIDE];
            this.meetings = new Phaser(threads) {
                @Override
                protected boolean onAdvance(int phase, int parties) {
                    boolean allEnded = phaseEnds.getAndSet(0) == threads;
                    if (allEnded && resetAtPhaseEnd) {
                        try {
                            long t0 = System.nanoTime();
                            Shared.this.allocator.reset();
                            resetTimes.recordValue(System.nanoTime() - t0);
                        } catch (RuntimeException | Error e) {
                            error.compareAndSet(null, new IllegalStateException("reset at meeting point " + (phase + 1)
                                    + " failed: " + e.getMessage(), e));
                            failed = true;
                            return true;                  // terminates: every waiting thread stops
                        }
                    }
                    return false;
                }
            };
        }

        void fail(Throwable e) {
            error.compareAndSet(null, e);
            failed = true;
            meetings.forceTermination();
        }
    }

    /** One thread's replay of its stream. */
    private final class Worker implements Runnable {
        final int id;
        final Operations ops;
        final Shared shared;
        final CountDownLatch ready;
        final CountDownLatch go;
        final CountDownLatch done;
        final Histogram allocateTimes = new Histogram(3);
        final Histogram freeTimes = new Histogram(3);
        final Histogram reallocTimes = new Histogram(3);
        long live;
        long failures;
        long skipped;
        long deferred;
        long endNanos;
        int meetingsPassed;

        Worker(int id, Operations ops, Shared shared, CountDownLatch ready, CountDownLatch go, CountDownLatch done) {
            this.id = id;
            this.ops = ops;
            this.shared = shared;
            this.ready = ready;
            this.go = go;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                ready.countDown();
                go.await();
                replayStream();
            } catch (Stopped stopped) {
                // another thread failed first; its error is the run's
            } catch (InterruptedException e) {
                shared.fail(new IllegalStateException("thread " + id + " was interrupted", e));
            } catch (Throwable e) {
                shared.fail(e);
            } finally {
                endNanos = System.nanoTime();
                LONGS.setOpaque(shared.counters, id * STRIDE, live);
                done.countDown();
            }
        }

        private void replayStream() {
            final Allocator allocator = shared.allocator;
            final Memory memory = shared.memory;
            final long[] address = shared.address;
            final long[] requested = shared.requested;
            final long[] counters = shared.counters;
            final boolean canFree = shared.canFree;
            final boolean canRealloc = shared.canRealloc;
            final int base = id * STRIDE;
            final int n = ops.size();
            final long mask = latencySampling - 1;
            long dice = 0x9E3779B97F4A7C15L ^ (id * 0xD1B54A32D192ED03L);
            if (dice == 0) {
                dice = 1;
            }
            int i = 0;
            try {
                for (; i < n; i++) {
                    LONGS.setOpaque(counters, base, live);
                    LONGS.setOpaque(counters, base + 1, (long) i);
                    dice ^= dice << 13;
                    dice ^= dice >>> 7;
                    dice ^= dice << 17;
                    boolean timed = (dice & mask) == 0;
                    int slot = ops.slot(i);
                    switch (ops.kind(i)) {
                        case ALLOCATE -> {
                            long size = ops.requestSize(i);
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
                            long a = (long) LONGS.getAcquire(address, slot);
                            if (a == 0) {
                                a = awaitAllocation(slot, i);
                            }
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
                            long a = (long) LONGS.getAcquire(address, slot);
                            if (a == 0) {
                                a = awaitAllocation(slot, i);
                            }
                            if (a < 0) {
                                skipped++;
                            } else {
                                long size = ops.requestSize(i);
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
                            shared.phaseEnds.incrementAndGet();
                            meet(i);
                        }
                        case BARRIER -> meet(i);
                        case FRAME_BEGIN, FRAME_END -> { }   // frames of several threads do not nest
                    }
                }
                LONGS.setOpaque(counters, base + 1, (long) n);
            } catch (Stopped stopped) {
                throw stopped;
            } catch (RuntimeException | Error e) {
                throw new IllegalStateException("thread " + id + " of " + shared.threads + ", operation " + i + " ("
                        + ops.kind(i) + (ops.slot(i) >= 0 ? " of slot " + ops.slot(i) : "") + "): " + e.getMessage(), e);
            }
        }

        /** Waits until another thread has published slot {@code slot}'s allocation; returns its address. */
        private long awaitAllocation(int slot, int i) {
            long started = System.nanoTime();
            for (long spins = 1; ; spins++) {
                long a = (long) LONGS.getAcquire(shared.address, slot);
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
                    if (shared.failed) {
                        throw new Stopped();
                    }
                    if (System.nanoTime() - started > waitNanos) {
                        shared.fail(new IllegalStateException(String.format(
                                "thread %d of %d waited %d s at operation %d (%s of slot %d) for another thread to "
                                        + "allocate that slot; the thread that allocates it is stuck or far too slow",
                                id, shared.threads, TimeUnit.NANOSECONDS.toSeconds(waitNanos), i, ops.kind(i), slot)));
                        throw new Stopped();
                    }
                }
            }
        }

        /** Arrives at a meeting point and waits for every other thread. */
        private void meet(int i) {
            int phase = shared.meetings.arrive();
            meetingsPassed++;
            if (phase < 0) {
                throw new Stopped();
            }
            long started = System.nanoTime();
            while (true) {
                try {
                    if (shared.meetings.awaitAdvanceInterruptibly(phase, POLL, TimeUnit.NANOSECONDS) < 0) {
                        throw new Stopped();
                    }
                    return;
                } catch (TimeoutException e) {
                    if (shared.failed) {
                        throw new Stopped();
                    }
                    if (System.nanoTime() - started > waitNanos) {
                        shared.fail(new IllegalStateException(String.format(
                                "thread %d of %d waited %d s at meeting point %d (operation %d, %s) for the other "
                                        + "threads; one of them is stuck or far too slow",
                                id, shared.threads, TimeUnit.NANOSECONDS.toSeconds(waitNanos), meetingsPassed, i,
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

    /**
     * Replays {@code streams}, one thread each, against {@code allocator}, which must be thread-safe.
     *
     * @param vm the run's own virtual memory; null only for calibration
     */
    RunResult replay(String label, Map<String, Object> parameters, List<Operations> streams, Allocator allocator,
                     VirtualMemory vm) {
        int threads = streams.size();
        var shared = new Shared(threads, Streams.slotSpace(streams), allocator);
        Footprint footprint = vm == null ? null : new Footprint(allocator, vm);
        var ready = new CountDownLatch(threads);
        var go = new CountDownLatch(1);
        var done = new CountDownLatch(threads);
        var workers = new ArrayList<Worker>(threads);
        var running = new ArrayList<Thread>(threads);
        String name = streams.getFirst().name();
        for (int t = 0; t < threads; t++) {
            var w = new Worker(t, streams.get(t), shared, ready, go, done);
            workers.add(w);
            running.add(Thread.ofPlatform().name("alloclab-replay-" + t).unstarted(w));
        }
        running.forEach(Thread::start);
        awaitUninterruptibly(ready);
        var timeline = new Timeline();
        long peakLive = 0;
        long started = System.nanoTime();
        go.countDown();

        long interval = FIRST_INTERVAL;
        while (!awaitUninterruptibly(done, interval)) {
            long live = 0;
            long operations = 0;
            for (int t = 0; t < threads; t++) {
                live += (long) LONGS.getOpaque(shared.counters, t * STRIDE);
                operations += (long) LONGS.getOpaque(shared.counters, t * STRIDE + 1);
            }
            peakLive = Math.max(peakLive, live);
            if (footprint != null) {
                long p0 = System.nanoTime();
                timeline.add(new Timeline.Sample(operations, p0 - started, live, footprint.committed(),
                        footprint.resident()));
                interval = Math.max(interval, 10 * (System.nanoTime() - p0));
                if (timeline.size() >= MAX_SAMPLES) {
                    timeline.thin();
                    interval *= 2;
                }
            }
            progress.reached(operations);
        }
        for (Thread t : running) {
            joinUninterruptibly(t);
        }
        long ended = started;
        long live = 0;
        long failures = 0;
        long skipped = 0;
        long deferred = 0;
        for (Worker w : workers) {
            ended = Math.max(ended, w.endNanos);
            live += w.live;
            failures += w.failures;
            skipped += w.skipped;
            deferred += w.deferred;
        }
        long elapsed = ended - started;
        Throwable error = shared.error.get();
        if (error != null) {
            if (error instanceof RuntimeException e) {
                throw e;
            }
            throw new IllegalStateException(error.toString(), error);
        }
        progress.reached(Streams.operations(streams));
        if (footprint == null) {
            return RunResult.calibration(streams.getFirst(), elapsed);
        }
        peakLive = Math.max(peakLive, live);
        long committedEnd = footprint.committed();
        timeline.add(new Timeline.Sample(Streams.operations(streams), elapsed, live, committedEnd, footprint.resident()));

        for (long a : shared.address) {                  // free what survived
            if (a > 0 && shared.canFree) {
                allocator.free(a);
            }
        }
        if (shared.resetAtPhaseEnd) {
            allocator.reset();
        }
        long committedAfterFreeAll = footprint.committed();
        long residentAfterFreeAll = footprint.resident();
        allocator.verify();

        var latency = new LinkedHashMap<String, Histogram>();
        latency.put("allocate", merged(workers, w -> w.allocateTimes));
        latency.put("free", merged(workers, w -> w.freeTimes));
        latency.put("reallocate", merged(workers, w -> w.reallocTimes));
        latency.put("reset", shared.resetTimes);
        latency.values().removeIf(h -> h.getTotalCount() == 0);
        long exactPeak = footprint.exactPeakCommitted();
        return new RunResult(label, allocator.strategy(), parameters, vm.kind(), name, Streams.operations(streams),
                failures, skipped, deferred, peakLive, exactPeak >= 0 ? exactPeak : timeline.peakCommitted(),
                timeline.peakResident(), committedEnd, committedAfterFreeAll, residentAfterFreeAll, elapsed,
                latencySampling, Double.NaN, latency, timeline, allocator.stats().asMap(),
                footprint.external() ? null : vm.stats(), notes(streams), threads,
                Replayer.decorators(allocator), null, 0, vm == null ? Map.of() : vm.counters(),
                Replayer.layerFindings(allocator));
    }

    /** The streams' notes, summed by name (a trace replayed by every thread counts its notes once per thread). */
    private static Map<String, Long> notes(List<Operations> streams) {
        var sum = new LinkedHashMap<String, Long>();
        for (Operations o : streams) {
            o.notes().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    private static Histogram merged(List<Worker> workers, java.util.function.Function<Worker, Histogram> of) {
        var sum = new Histogram(3);
        for (Worker w : workers) {
            sum.add(of.apply(w));
        }
        return sum;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (!awaitUninterruptibly(latch, POLL)) {
            // keep waiting: the workers count down as soon as they start
        }
    }

    private static boolean awaitUninterruptibly(CountDownLatch latch, long nanos) {
        try {
            return latch.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while threads replay", e);
        }
    }

    private static void joinUninterruptibly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while threads replay", e);
        }
    }
}
