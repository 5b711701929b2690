package org.alloclab.harness.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Memory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.workload.Operations;

/**
 * What the threads of one replay share — the allocator and what it can do, the slots' addresses and
 * requested sizes, the meeting points, the first error — and the one epilogue every replay ends with:
 * free what survived, reset, read the footprint after free-all, {@link Allocator#verify()}, merge the
 * threads' histograms into a {@link RunResult}. Each thread's loop is a {@link StreamReplay}.
 *
 * <h2>Meetings</h2>
 * With several streams, {@link Operations.Kind#BARRIER} and {@link Operations.Kind#PHASE_END} are a
 * {@link Phaser} with one party per thread. When every thread arrived at a {@code PHASE_END}, the last to
 * arrive resets a strategy that resets at phase ends (while the others wait, so the reset is safe), timed
 * into the run's {@code reset} histogram. With one stream a {@code PHASE_END} resets at once and a barrier
 * is nothing.
 */
final class Replay {

    static final long POLL = TimeUnit.MILLISECONDS.toNanos(100);

    final int threads;
    final Allocator allocator;
    final Memory memory;
    final boolean canFree;
    final boolean canRealloc;
    final boolean resetAtPhaseEnd;
    /** A strategy with frames but no single-block free pushes a frame per workload frame; one thread only. */
    final boolean framesForWorkload;
    final Replayer.Touch touch;
    /** The largest request sent to the allocator; larger ones are refused by the harness. */
    final long maxRequest;
    /** The most bytes written into live blocks at once, all threads together (with {@code touch = all}). */
    final long touchLimit;
    /** Bytes written into each slot's block, with {@code touch = all}; null otherwise. */
    final long[] written;
    /** Resets of the strategy at phase ends so far: each gives back every byte written into deferred blocks. */
    volatile int resets;
    final int latencySampling;
    final long waitNanos;
    final long[] address;
    final long[] requested;
    /** Null with one stream. */
    final Phaser meetings;
    final AtomicInteger phaseEnds = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    /** Only touched by the one thread, or by the phaser's last arriver. */
    final Histogram resetTimes = new Histogram(3);
    volatile boolean failed;

    /**
     * @param maxRequest the largest request to send to the allocator
     * @param touchLimit the most bytes to write into live blocks at once, all threads together
     */
    Replay(int threads, int slots, Allocator allocator, Replayer.Touch touch, long maxRequest, long touchLimit,
           int latencySampling, long waitNanos) {
        this.threads = threads;
        this.maxRequest = maxRequest;
        this.touchLimit = touchLimit;
        this.written = touch == Replayer.Touch.ALL ? new long[slots] : null;
        this.allocator = allocator;
        this.memory = allocator.memory();
        this.canFree = allocator.supports(Capability.FREE);
        this.canRealloc = allocator.supports(Capability.REALLOCATE);
        this.resetAtPhaseEnd = !canFree && allocator.supports(Capability.RESET);
        this.framesForWorkload = threads == 1 && !canFree && allocator.supports(Capability.FRAMES);
        this.touch = touch;
        this.latencySampling = latencySampling;
        this.waitNanos = waitNanos;
        this.address = new long[slots];
        this.requested = new long[slots];
        this.meetings = threads == 1 ? null : new Phaser(threads) {
            @Override
            protected boolean onAdvance(int phase, int parties) {
                boolean allEnded = phaseEnds.getAndSet(0) == Replay.this.threads;
                if (allEnded) {
                    try {
                        resetAtPhaseEnd();
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

    /** A strategy that resets at phase ends is reset, timed. */
    void resetAtPhaseEnd() {
        if (resetAtPhaseEnd) {
            long t0 = System.nanoTime();
            allocator.reset();
            resetTimes.recordValue(System.nanoTime() - t0);
            resets++;                                    // only this thread, or the phaser's last arriver, resets
        }
    }

    /** Records the first error of any thread and stops the others. */
    void fail(Throwable e) {
        error.compareAndSet(null, e);
        failed = true;
        if (meetings != null) {
            meetings.forceTermination();
        }
    }

    /** The first error of any thread, thrown; nothing when there was none. */
    void throwError() {
        Throwable e = error.get();
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    /**
     * The epilogue: what the layers found, the footprint at the end, every surviving block freed (frames
     * popped, the strategy reset when it resets), the footprint after free-all, the strategy's own
     * {@link Allocator#verify()}, and the result.
     *
     * @param what      label, strategy parameters and workload of the result
     * @param streams   the threads' replays
     * @param ops       the streams they replayed
     * @param vm        the run's own virtual memory
     * @param footprint the probe of committed and resident bytes
     * @param timeline  the samples taken so far; the last is added here
     * @param elapsed   the replay's time
     * @param peakLive  the highest live bytes (exact: counted by the one thread, or merged from the threads' logs)
     * @param heap      the heap map taken, or null
     * @param verify    whether to call the strategy's {@link Allocator#verify()} (a warm-up leaves it to the
     *                  measured replay)
     */
    RunResult finish(Replayer.Labels what, List<StreamReplay> streams, List<Operations> ops, VirtualMemory vm,
                     FootprintProbe footprint, Timeline timeline, long elapsed, long peakLive, HeapSnapshot heap,
                     boolean verify) {
        long events = 0;
        long live = 0;
        long failures = 0;
        long skipped = 0;
        long deferred = 0;
        long refused = 0;
        long touchLimited = 0;
        for (StreamReplay s : streams) {
            live += s.live;
            failures += s.failures;
            skipped += s.skipped;
            deferred += s.deferred;
            refused += s.refused;
            touchLimited += s.touchLimited;
        }
        for (Operations o : ops) {
            events += o.size();
        }
        peakLive = Math.max(peakLive, live);
        Map<String, Map<String, Object>> findings = Replayer.layerFindings(allocator);
        long committedEnd = footprint.committed();
        timeline.add(new Timeline.Sample(events, elapsed, live, committedEnd, footprint.residentNow()));

        for (long a : address) {                          // free what survived
            if (a > 0 && canFree) {
                allocator.free(a);
            }
        }
        for (StreamReplay s : streams) {
            while (!s.frames.isEmpty()) {
                allocator.popFrame(s.frames.pop());
            }
        }
        if (resetAtPhaseEnd) {
            allocator.reset();
        }
        long committedAfterFreeAll = footprint.committed();
        long residentAfterFreeAll = footprint.residentNow();
        if (verify) {
            allocator.verify();
        }

        var latency = new LinkedHashMap<String, Histogram>();
        latency.put("allocate", merged(streams, s -> s.allocateTimes));
        latency.put("free", merged(streams, s -> s.freeTimes));
        latency.put("reallocate", merged(streams, s -> s.reallocTimes));
        latency.put("reset", resetTimes);
        latency.put("frame", merged(streams, s -> s.frameTimes));
        latency.values().removeIf(h -> h.getTotalCount() == 0);
        long exactPeak = footprint.exactPeakCommitted();
        return new RunResult(
                new RunResult.Subject(what.strategy(), allocator.strategy(), what.parameters(), vm.kind(),
                        ops.getFirst().name(), threads, Replayer.decorators(allocator)),
                new RunResult.Counts(events, failures, skipped, deferred, refused, touchLimited),
                new RunResult.Bytes(peakLive, exactPeak >= 0 ? exactPeak : timeline.peakCommitted(),
                        timeline.peakResident(), committedEnd, committedAfterFreeAll, residentAfterFreeAll, -1, maxRequest),
                new RunResult.Timing(elapsed, latencySampling, Double.NaN, 0, 0, List.of(elapsed)),
                latency, timeline,
                new RunResult.Details(allocator.stats().asMap(), footprint.external() ? null : vm.stats(), counters(vm, footprint),
                        notes(ops), findings, heap));
    }

    /**
     * The virtual memory's layer counters, and how residency was sampled: probes made, probes skipped because
     * one was costly, and a probe's mean time in microseconds (see {@link FootprintProbe}).
     */
    private static Map<String, Long> counters(VirtualMemory vm, FootprintProbe footprint) {
        var m = new LinkedHashMap<String, Long>(vm.counters());
        m.put("resident_probes", footprint.probes());
        m.put("resident_probes_skipped", footprint.skipped());
        m.put("resident_probe_us", Math.round(footprint.probeMillis() * 1000));
        return m;
    }

    /** The streams' notes, summed by name (a trace replayed by every thread counts its notes once per thread). */
    private static Map<String, Long> notes(List<Operations> streams) {
        if (streams.size() == 1) {
            return streams.getFirst().notes();
        }
        var sum = new LinkedHashMap<String, Long>();
        for (Operations o : streams) {
            o.notes().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    private static Histogram merged(List<StreamReplay> streams, java.util.function.Function<StreamReplay, Histogram> of) {
        if (streams.size() == 1) {
            return of.apply(streams.getFirst());
        }
        var sum = new Histogram(3);
        for (StreamReplay s : streams) {
            sum.add(of.apply(s));
        }
        return sum;
    }
}
