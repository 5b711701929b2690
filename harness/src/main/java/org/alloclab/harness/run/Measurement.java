package org.alloclab.harness.run;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.alloclab.api.Allocator;
import org.alloclab.api.LockingAllocator;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.workload.IdealFootprint;
import org.alloclab.harness.workload.Operations;

/**
 * How one cell is measured: untimed warm-up replays until the code is warm, then the measured replay, whose
 * result is given the workload's ideal footprint ({@link IdealFootprint}, computed once, untimed). Each
 * replay runs on a fresh virtual memory and a fresh
 * allocator, on a platform thread of its own that stays parked until this measurement is closed (see
 * {@link #onFreshThread}).
 *
 * <h2>Warm-up</h2>
 * Warm-up replays go on, up to {@code warmup-runs}, while each is at least 3% faster than the one before
 * (and at least two are made, when allowed): a Java strategy's code reaches the JIT's steady state only
 * after a few passes over a workload of a couple of million operations (dsmalloc on the perl trace: 483,
 * 276 then 202 ms after one, two and three warm-ups), while a native peer or a slow strategy is steady
 * after one and need not be replayed five times.
 *
 * <p>A warm-up replay during which the JIT compiled nothing ({@link CompilationMXBean}) ends the warm-up
 * too: in a JVM of its own per cell the first replays run partly interpreted, and once a whole replay
 * passes without a compilation the code the measured replay will run is the code that is there. Then the
 * measured replay waits until the JIT's queue is empty ({@link JitQueue}): on a small machine the compiler can be
 * seconds behind the warm-ups, and a replay measured meanwhile runs partly in code not yet compiled, beside a
 * compiler thread busy on the other core (on two cores this made cells of the same strategy differ by 2×).
 *
 * <p>With {@code measured-replays} above 1 the cell measures that many replays, each after the compiler's
 * queue is empty, and reports the one whose time is the median, with every one's time: a collection or a
 * moment of another load on the machine inside one replay does not become the cell's figure.
 */
public final class Measurement implements AutoCloseable {

    /**
     * Prepares this JVM for measuring: starts, on a daemon thread, what waiting for the JIT's queue needs (see
     * {@code JitQueue}), so a cell's wait for the JIT is the JIT's alone. Call as a cell's JVM starts.
     */
    public static void prepareJvm() {
        JitQueue.startInBackground();
    }

    static final double STEADY = 0.97;

    /** The longest the measured replay waits for the JIT's queue to drain after the warm-ups. */
    static final long JIT_WAIT_MILLIS = 20_000;

    private final List<CountDownLatch> parked = new ArrayList<>();
    private final CountDownLatch over = new CountDownLatch(1);

    /**
     * Measures {@code strategy} on {@code vm} replaying {@code streams}, with the settings of
     * {@code experiment} (warm-ups, touch, latency sampling, heap map, the ceiling on requests).
     *
     * @param progress told how far the warm-ups, the measured replay and the calibration have come, in
     *                 operations from the first warm-up's first
     */
    public RunResult measure(Experiment experiment, Experiment.StrategySpec strategy, Experiment.VirtualMemorySpec vm, List<Operations> streams,
                             Progress progress) {
        long events = streams.stream().mapToLong(Operations::size).sum();
        var replayer = new Replayer(Replayer.Touch.valueOf(experiment.touch().toUpperCase(Locale.ROOT)),
                experiment.latencySampling()).withHeapMap(experiment.heapMapAt()).withMaxRequest(experiment.maxRequest());
        int warmups = 0;
        long previous = Long.MAX_VALUE;
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
        while (warmups < experiment.warmupRuns()) {
            long compiled = jitTimed ? jit.getTotalCompilationTime() : -1;
            long t = replayOnce(replayer.forWarmUp().withProgress(progress.after(warmups * events)), vm, strategy, streams)
                    .elapsedNanos();
            warmups++;
            if (warmups >= 2 && (t > previous * STEADY || (jitTimed && jit.getTotalCompilationTime() == compiled))) {
                break;                           // no longer getting faster, or nothing left to compile: warm
            }
            previous = t;
        }
        int measured = experiment.execution().measuredReplays();
        var results = new ArrayList<RunResult>(measured);
        var times = new ArrayList<Long>(measured);
        long waited = 0;
        for (int i = 0; i < measured; i++) {
            waited += JitQueue.awaitEmpty(JIT_WAIT_MILLIS);
            RunResult r = replayOnce(replayer.withProgress(progress.after((warmups + i) * events)), vm, strategy, streams);
            results.add(r);
            times.add(r.elapsedNanos());
        }
        var byTime = new ArrayList<>(results);
        byTime.sort(java.util.Comparator.comparingLong(RunResult::elapsedNanos));
        RunResult median = byTime.get((byTime.size() - 1) / 2);
        long ideal = IdealFootprint.of(streams, experiment.maxRequest());   // untimed: after the replays, O(n)
        return median.withVirtualMemory(vm.label()).withWarmups(warmups, waited, times).withIdealFootprint(ideal);
    }

    /** Told how many operations of a measurement are done; {@link #after} shifts a replay's count. */
    @FunctionalInterface
    public interface Progress {
        /** Nothing is told. */
        Progress NONE = before -> Replayer.Progress.NONE;

        /** A listener for a replay that starts after {@code before} operations of the measurement. */
        Replayer.Progress after(long before);
    }

    /**
     * One replay on a fresh virtual memory and allocator. With several streams a strategy that is not
     * {@link org.alloclab.api.Capability#THREAD_SAFE} runs behind the locking layer, which its result
     * records as a decorator.
     */
    private RunResult replayOnce(Replayer replayer, Experiment.VirtualMemorySpec vmSpec, Experiment.StrategySpec strategy,
                                 List<Operations> streams) {
        return onFreshThread(() -> {
            try (VirtualMemory vm = vmSpec.provider().create(vmSpec.parameters());
                 Allocator created = strategy.create(vm)) {
                Allocator allocator = streams.size() > 1 ? LockingAllocator.threadSafe(created) : created;
                return replayer.replay(strategy.label(), strategy.parameters().asMap(), streams, allocator, vm);
            }
        });
    }

    /**
     * Runs {@code run} on a platform thread of its own and waits for its result. Native allocators keep
     * per-thread state: glibc gives a thread an arena, jemalloc a thread cache. A thread that has never
     * allocated gets a fresh one (for glibc only when {@code MALLOC_ARENA_MAX} leaves room, which the
     * launcher sees to), but glibc hands the arena of a thread that has ended to the next new thread. So
     * the run's thread does not end: it stays parked, holding its arena, until this measurement is closed,
     * and no replay inherits what an earlier one left behind.
     */
    private RunResult onFreshThread(Supplier<RunResult> run) {
        var result = new AtomicReference<RunResult>();
        var failure = new AtomicReference<Throwable>();
        var finished = new CountDownLatch(1);
        Thread.ofPlatform().name("alloclab-run-" + (parked.size() + 1)).daemon().start(() -> {
            try {
                result.set(run.get());
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                finished.countDown();
            }
            try {
                over.await();                    // keep this thread's native allocator state out of reach
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        parked.add(finished);
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a replay was going on", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
        return result.get();
    }

    /** Lets the parked replay threads end. */
    @Override
    public void close() {
        over.countDown();
        parked.clear();
    }
}
