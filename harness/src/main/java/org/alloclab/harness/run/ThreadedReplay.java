package org.alloclab.harness.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.alloclab.api.Allocator;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Streams;

/**
 * Replays a workload of several streams (see {@link Operations}) on as many platform threads, started
 * together, against one thread-safe allocator. Each thread runs the one replay loop, {@link StreamReplay},
 * over its stream — timing one call in {@code latencySampling} into histograms of its own, counting its own
 * live bytes — and what the threads share (slots, meeting points, the first error) is a {@link Replay},
 * which also ends the replay as it ends a one-thread one.
 *
 * <h2>Never hanging</h2>
 * A wait that lasts longer than the timeout fails the run with a message naming the thread, the slot or
 * meeting point and the operation. Any failure of one thread — an exception from the allocator, a timeout
 * — is recorded first, then stops every other thread (the phaser is terminated, spinners look at a flag),
 * and the replay throws it with the thread and operation it happened at. The streams are checked
 * ({@link Streams#check}) before any strategy runs, so a cyclic wait in a generator never gets here.
 *
 * <h2>Footprint and throughput</h2>
 * Peak live bytes are exact, as with one thread: each thread writes every change of its live bytes, with the
 * moment it took effect, into a {@link LiveLog} of its own, and the logs are merged after the replay into the
 * highest sum of all threads' live bytes at any moment. (A sampler summing counters the threads publish finds
 * only the peaks that last longer than its interval: four runs of the same xmalloc operations on four threads
 * gave peaks from 528 to 1,022 KiB, and footprint ratios from 3.95 to 7.82.) Beyond the handovers the workload asks for, no thread writes where another
 * writes, so the harness adds no contention of its own to the allocator's.
 *
 * <p>The calling thread, idle otherwise, takes the timeline's samples at intervals of time (from 1 ms, at least
 * ten times the probe's own cost, doubling whenever the timeline has a thousand samples, which it then thins):
 * it reads the clock, the committed bytes, and the clock again. Once the replay is over, each sample's live
 * bytes are the least the merged logs held between those two readings: whenever inside them the committed bytes
 * were read, at least that many bytes of blocks were held by the allocator, so a sample never shows committed
 * bytes below its live bytes (unless the allocator itself reports less than it holds). Resident bytes are read just after. Peak committed bytes stay
 * exact for alloclab's virtual memories. Elapsed time is wall time from the common start to the last thread's
 * end, probes included (they run on their own thread); throughput is all streams' operations over it.
 */
final class ThreadedReplay {

    /** Longs per thread in the counters array: its progress and padding to keep cache lines apart. */
    private static final int STRIDE = 16;
    private static final int MAX_SAMPLES = 1000;
    private static final long FIRST_INTERVAL = TimeUnit.MILLISECONDS.toNanos(1);

    private ThreadedReplay() {
    }

    /** One thread of the replay: its loop, and when it ended. */
    private static final class Worker implements Runnable {
        final StreamReplay stream;
        final Replay replay;
        final CountDownLatch ready;
        final CountDownLatch go;
        final CountDownLatch done;
        long endNanos;

        Worker(StreamReplay stream, Replay replay, CountDownLatch ready, CountDownLatch go, CountDownLatch done) {
            this.stream = stream;
            this.replay = replay;
            this.ready = ready;
            this.go = go;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                ready.countDown();
                go.await();
                stream.run();
            } catch (StreamReplay.Stopped stopped) {
                // another thread failed first; its error is the run's
            } catch (InterruptedException e) {
                replay.fail(new IllegalStateException("a replay thread was interrupted", e));
            } catch (Throwable e) {
                replay.fail(e);
            } finally {
                endNanos = System.nanoTime();
                done.countDown();
            }
        }
    }

    /** The probe of thread {@code id}: its operations done, published for the sampler's progress. */
    private static StreamReplay.Probe published(long[] counters, int id) {
        int base = id * STRIDE;
        return (i, live) -> StreamReplay.LONGS.setOpaque(counters, base, i + 1L);
    }

    /** A sample as the sampler takes it; its live bytes are known once the logs are merged. */
    private record Taken(long operation, long nanos, LiveLog.Window window, long committed, long resident) {
    }

    /**
     * Replays {@code streams}, one thread each, against {@code allocator}, which must be thread-safe.
     *
     * @param vm the run's own virtual memory; null only for calibration
     */
    static RunResult replay(Replayer replayer, Replayer.Labels what, List<Operations> streams, Allocator allocator,
                            VirtualMemory vm) {
        int threads = streams.size();
        var replay = new Replay(threads, Streams.slotSpace(streams), allocator, replayer.touch(), replayer.maxRequest(),
                replayer.touchLimit(), replayer.latencySampling(), replayer.waitNanos());
        FootprintProbe footprint = vm == null ? null : new FootprintProbe(allocator, vm);
        long[] counters = new long[(threads + 1) * STRIDE];
        var ready = new CountDownLatch(threads);
        var go = new CountDownLatch(1);
        var done = new CountDownLatch(threads);
        var workers = new ArrayList<Worker>(threads);
        var loops = new ArrayList<StreamReplay>(threads);
        var running = new ArrayList<Thread>(threads);
        var logs = new ArrayList<LiveLog>(threads);
        for (int t = 0; t < threads; t++) {
            LiveLog log = StreamReplay.logFor(streams.get(t));
            logs.add(log);
            var loop = new StreamReplay(t, streams.get(t), replay, published(counters, t), null, log);
            var w = new Worker(loop, replay, ready, go, done);
            loops.add(loop);
            workers.add(w);
            running.add(Thread.ofPlatform().name("alloclab-replay-" + t).unstarted(w));
        }
        running.forEach(Thread::start);
        awaitUninterruptibly(ready);
        var taken = new ArrayList<Taken>();
        long started = System.nanoTime();
        go.countDown();

        long interval = FIRST_INTERVAL;
        while (!awaitUninterruptibly(done, interval)) {
            long operations = 0;
            for (int t = 0; t < threads; t++) {
                operations += (long) StreamReplay.LONGS.getOpaque(counters, t * STRIDE);
            }
            if (footprint != null) {
                long p0 = System.nanoTime();
                long committed = footprint.committed();
                long p1 = System.nanoTime();
                taken.add(new Taken(operations, p0 - started, new LiveLog.Window(p0, p1), committed, footprint.resident()));
                interval = Math.max(interval, 10 * (System.nanoTime() - p0));
                if (taken.size() >= MAX_SAMPLES) {
                    thin(taken);
                    interval *= 2;
                }
            }
            replayer.progress().reached(operations);
        }
        for (Thread t : running) {
            joinUninterruptibly(t);
        }
        long ended = started;
        for (Worker w : workers) {
            ended = Math.max(ended, w.endNanos);
        }
        long elapsed = ended - started;
        replay.throwError();
        replayer.progress().reached(Streams.operations(streams));
        if (footprint == null) {
            return Replayer.calibration(streams.getFirst(), elapsed);
        }
        LiveLog.Merged merged = LiveLog.merge(logs, taken.stream().map(Taken::window).toList());
        var timeline = new Timeline();
        for (int k = 0; k < taken.size(); k++) {
            Taken t = taken.get(k);
            timeline.add(new Timeline.Sample(t.operation(), t.nanos(), merged.during()[k], t.committed(), t.resident()));
        }
        return replay.finish(what, loops, streams, vm, footprint, timeline, elapsed, merged.peak(), null,
                replayer.verifies());
    }

    /** Drops every other sample, keeping the first: for a sampler that has taken too many. */
    private static void thin(List<Taken> samples) {
        var kept = new ArrayList<Taken>(samples.size() / 2 + 1);
        for (int i = 0; i < samples.size(); i += 2) {
            kept.add(samples.get(i));
        }
        samples.clear();
        samples.addAll(kept);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (!awaitUninterruptibly(latch, Replay.POLL)) {
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
