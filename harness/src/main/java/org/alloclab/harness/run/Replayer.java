package org.alloclab.harness.run;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.api.Decorator;
import org.alloclab.api.Memory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.debug.DebugLayer;
import org.alloclab.debug.Findings;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Streams;

/**
 * Replays {@link Operations} against one allocator and measures it: nanoseconds per operation into an
 * HdrHistogram per kind, live bytes by its own account, and a {@link Timeline} of live, committed and
 * resident bytes.
 *
 * <h2>Timing</h2>
 * A {@code System.nanoTime()} pair costs about as much as a bump allocation, so timing every call would
 * make throughput a measure of the clock. One call in {@code latencySampling} (a power of two, picked by
 * a seeded xorshift so no workload period aliases with it) is timed; the rest run bare. With 1 every call
 * is timed. Probing the footprint is excluded from the replay's elapsed time.
 *
 * <h2>Strategies that lack an operation</h2>
 * They run the same workload: without {@link Capability#FREE} a free is deferred (the block stays held)
 * and the strategy is reset at each phase end if it can be, or a frame is pushed and popped around each
 * workload frame if it has frames; without {@link Capability#REALLOCATE} a resize is allocate, copy and
 * free. At the end every surviving block is freed (or the strategy reset) to measure what it gives back,
 * and {@link Allocator#verify()} is called, so every run is also a correctness check.
 *
 * <h2>Threads</h2>
 * Every replay runs one loop per stream, {@link StreamReplay}, and ends with one epilogue,
 * {@link Replay#finish}. A workload of one stream is replayed by the calling thread, which samples the
 * footprint between operations (so its peak live bytes are exact); a workload of several goes to
 * {@link ThreadedReplay}: one platform thread per stream, cross-thread handovers and meeting points as
 * {@link Operations} defines them, per-thread histograms merged at the end, and per-thread logs of the live
 * bytes merged into their exact peak ({@link LiveLog}).
 *
 * <h2>What the harness will not do to the machine</h2>
 * No request above the ceiling ({@link #withMaxRequest}, the {@code max-request} setting; a quarter of the
 * machine's physical memory by default) is sent to the allocator: it is refused by the harness and counted
 * ({@link RunResult.Counts#refusedByHarness()}). And with {@link Touch#ALL} the bytes written into live blocks
 * never exceed {@link #touchLimit}: a request each below the ceiling can still add up to more than the machine
 * holds, and every byte written is a byte the kernel must keep resident.
 *
 * <h2>Progress</h2>
 * A {@link Progress} is told how far a replay has come at the footprint probes, whose time is excluded
 * from the replay's, so a progress bar never lands inside a timed call.
 */
public final class Replayer {

    /** Told how many operations of the current replay are done; called outside the timed sections. */
    @FunctionalInterface
    public interface Progress {
        /** Nothing is told. */
        Progress NONE = operations -> { };

        /** {@code operations} of the replay (of all its threads together) are done. */
        void reached(long operations);
    }

    /** Replays of a workload {@link #calibrate} makes: the least of the last five counts. */
    public static final int CALIBRATION_ROUNDS = 7;

    /** How long a thread waits for a handover or a meeting before the run fails, by default. */
    public static final Duration DEFAULT_WAIT_TIMEOUT = Duration.ofSeconds(60);

    /** What is written into each new block. */
    public enum Touch {
        /** nothing: the block's pages may never become resident */
        NONE,
        /** its first bytes (up to 8) */
        FIRST,
        /** every byte, as a C program using the memory would */
        ALL
    }

    private static final int TIMELINE_POINTS = 250;

    private final Touch touch;
    private final int latencySampling;
    private final Progress progress;
    private final Duration waitTimeout;
    private final double heapMapAt;
    private final boolean verify;
    private final long maxRequest;

    /** {@link #withHeapMap(double)}: take the heap map when live bytes peak. */
    public static final double HEAP_MAP_AT_PEAK = -1;

    /** {@link #withHeapMap(double)}: take no heap map. */
    public static final double HEAP_MAP_OFF = 0;

    /**
     * @param touch           what is written into new blocks
     * @param latencySampling time one call in this many (a power of two; 1 times every call)
     */
    public Replayer(Touch touch, int latencySampling) {
        this(touch, latencySampling, Progress.NONE, DEFAULT_WAIT_TIMEOUT, HEAP_MAP_OFF, true, defaultMaxRequest());
    }

    private Replayer(Touch touch, int latencySampling, Progress progress, Duration waitTimeout, double heapMapAt,
                     boolean verify, long maxRequest) {
        if (latencySampling < 1 || Integer.bitCount(latencySampling) != 1) {
            throw new IllegalArgumentException("latency sampling must be a power of two, was " + latencySampling);
        }
        if (waitTimeout.isNegative() || waitTimeout.isZero()) {
            throw new IllegalArgumentException("wait timeout must be positive, was " + waitTimeout);
        }
        this.touch = touch;
        this.latencySampling = latencySampling;
        this.progress = progress;
        this.waitTimeout = waitTimeout;
        this.heapMapAt = heapMapAt;
        this.verify = verify;
        if (maxRequest < 1) {
            throw new IllegalArgumentException("the largest request must be at least 1 byte, was " + maxRequest);
        }
        this.maxRequest = maxRequest;
    }

    /**
     * The ceiling when none is configured: a quarter of the machine's physical memory ({@link
     * Environment#physicalMemory()}), as {@code max-request = 25%} in {@code reference.conf}. A quarter leaves the
     * JVM, the allocator's own metadata and the rest of the machine room, and still lets a trace of a real program
     * (whose largest blocks are rarely a gigabyte) replay untouched.
     */
    public static long defaultMaxRequest() {
        return Math.max(1, Environment.physicalMemory() / 4);
    }

    /**
     * This replayer sending the allocator no request above {@code bytes}: a larger allocation or resize is refused
     * by the harness, counted ({@link RunResult.Counts#refusedByHarness()}) and, for an allocation, treated as one
     * that failed (the block's later operations are skipped).
     */
    public Replayer withMaxRequest(long bytes) {
        return new Replayer(touch, latencySampling, progress, waitTimeout, heapMapAt, verify, bytes);
    }

    /** The largest request sent to the allocator. */
    public long maxRequest() {
        return maxRequest;
    }

    /**
     * The most bytes written into live blocks at once with {@link Touch#ALL}, all threads together: the ceiling,
     * and never more than half the machine's physical memory. The ceiling bounds one request; this bounds their
     * sum, because writing is what makes memory resident — a native allocator maps a huge block lazily and costs
     * nothing until it is written. Half the machine is the most a replay may make resident when the user raised
     * the ceiling past it on purpose: the other half is the JVM's, the allocator's own and everyone else's. A
     * block that would pass it is written only in its first bytes ({@link Touch#FIRST}) and counted
     * ({@link RunResult.Counts#touchLimited()}).
     */
    long touchLimit() {
        return Math.min(maxRequest, Math.max(1, Environment.physicalMemory() / 2));
    }

    /** This replayer telling {@code progress} how far each replay has come. */
    public Replayer withProgress(Progress progress) {
        return new Replayer(touch, latencySampling, progress, waitTimeout, heapMapAt, verify, maxRequest);
    }

    /**
     * This replayer for warm-up replays: everything as a measured replay does it except the strategy's
     * {@link Allocator#verify()} after the operations, which the measured replay of the same operations
     * makes (the replay loop's code and profile are the same either way).
     */
    public Replayer forWarmUp() {
        return new Replayer(touch, latencySampling, progress, waitTimeout, heapMapAt, false, maxRequest);
    }

    /**
     * This replayer failing a run of several threads when one waits longer than {@code timeout} for a
     * handover or a meeting (default {@link #DEFAULT_WAIT_TIMEOUT}).
     */
    public Replayer withWaitTimeout(Duration timeout) {
        return new Replayer(touch, latencySampling, progress, timeout, heapMapAt, verify, maxRequest);
    }

    /**
     * This replayer taking a {@link HeapSnapshot} of one-thread replays: at the operation where live bytes
     * peak ({@link #HEAP_MAP_AT_PEAK}), after a fraction {@code at} (0 &lt; at ≤ 1) of the operations, or
     * never ({@link #HEAP_MAP_OFF}). Only strategies that walk their blocks over the run's own virtual
     * memory can be seen; the snapshot's cost is excluded from the replay's time.
     */
    public Replayer withHeapMap(double at) {
        if (!(at == HEAP_MAP_AT_PEAK || (at >= 0 && at <= 1))) {
            throw new IllegalArgumentException("a heap map is taken at the peak (-1), never (0) or after a fraction"
                    + " of the operations in (0, 1], not at " + at);
        }
        return new Replayer(touch, latencySampling, progress, waitTimeout, at, verify, maxRequest);
    }

    /** Where a heap map of {@code ops} is taken: after this many operations, or -1 for none. */
    private int heapMapIndex(Operations ops) {
        if (heapMapAt == HEAP_MAP_OFF || ops.size() == 0) {
            return -1;
        }
        if (heapMapAt > 0) {
            return (int) Math.min(ops.size() - 1, Math.max(0, Math.round(heapMapAt * ops.size()) - 1));
        }
        long[] requested = new long[ops.slotCount()];
        long live = 0;
        long peak = -1;
        int at = -1;
        for (int i = 0; i < ops.size(); i++) {
            int slot = ops.slot(i);
            switch (ops.kind(i)) {
                case ALLOCATE -> {
                    requested[slot] = ops.requestSize(i);
                    live += requested[slot];
                }
                case FREE -> {
                    live -= requested[slot];
                    requested[slot] = 0;
                }
                case REALLOCATE -> {
                    live += ops.requestSize(i) - requested[slot];
                    requested[slot] = ops.requestSize(i);
                }
                default -> { }
            }
            if (live > peak) {
                peak = live;
                at = i;
            }
        }
        return at;
    }

    /**
     * The harness's own cost per operation of a workload of one or several streams, in nanoseconds of
     * wall time per operation of all streams; for one stream {@link #calibrate(Operations)}. With several,
     * the no-op allocator is replayed by as many threads, so the figure includes the handovers and
     * meetings.
     */
    public double calibrate(List<Operations> streams) {
        if (streams.size() == 1) {
            return calibrate(streams.getFirst());
        }
        long total = Streams.operations(streams);
        long best = Long.MAX_VALUE;
        for (int round = 0; round < CALIBRATION_ROUNDS; round++) {
            long before = round * total;
            var bare = new Replayer(Touch.NONE, latencySampling, done -> progress.reached(before + done), waitTimeout,
                    HEAP_MAP_OFF, true, maxRequest);
            try (var noop = NoopAllocator.forRound(round)) {
                long elapsed = ThreadedReplay.replay(bare, new Labels("calibration", Map.of()), streams, noop, null)
                        .elapsedNanos();
                if (round >= 2) {
                    best = Math.min(best, elapsed);
                }
            }
        }
        return (double) best / Math.max(1, total);
    }

    /**
     * Replays a workload of one or several streams (see {@link Operations}): one stream by the calling
     * thread, several on as many threads at once, all through the one loop of {@link StreamReplay}. With
     * several, {@code allocator} must be {@link Capability#THREAD_SAFE} (wrap it in a
     * {@link org.alloclab.api.LockingAllocator} when it is not) and the streams must pass
     * {@link Streams#check(List)}.
     *
     * @param label      the strategy's label for the result
     * @param parameters the strategy's parameters, for the result
     * @param allocator  a fresh allocator over {@code vm}
     * @param vm         the run's own virtual memory; null only for calibration
     */
    public RunResult replay(String label, Map<String, Object> parameters, List<Operations> streams, Allocator allocator,
                            VirtualMemory vm) {
        var what = new Labels(label, parameters);
        if (streams.size() == 1) {
            return replayOne(what, streams.getFirst(), allocator, vm);
        }
        if (!allocator.supports(Capability.THREAD_SAFE)) {
            throw new IllegalArgumentException(allocator.strategy() + " is not thread-safe: " + streams.size()
                    + " threads can only use it through a locking layer");
        }
        return ThreadedReplay.replay(this, what, streams, allocator, vm);
    }

    /** Replays one stream {@code ops}; see {@link #replay(String, Map, List, Allocator, VirtualMemory)}. */
    public RunResult replay(String label, Map<String, Object> parameters, Operations ops, Allocator allocator,
                            VirtualMemory vm) {
        return replayOne(new Labels(label, parameters), ops, allocator, vm);
    }

    /** What a result is labelled with: the strategy's label and parameters. */
    record Labels(String strategy, Map<String, Object> parameters) {
    }

    /** The result of a calibration replay: only the events and the time are meaningful. */
    static RunResult calibration(Operations ops, long elapsedNanos) {
        return new RunResult(new RunResult.Subject("calibration", "calibration.noop", Map.of(), "none", ops.name(), 1,
                List.of()), new RunResult.Counts(ops.size(), 0, 0, 0, 0, 0), new RunResult.Bytes(0, 0, -1, 0, 0, -1, -1, -1),
                new RunResult.Timing(elapsedNanos, 1, Double.NaN, 0, 0, List.of(elapsedNanos)), Map.of(), new Timeline(),
                new RunResult.Details(Map.of(), null, Map.of(), Map.of(), Map.of(), null));
    }

    /** The debugging layers in the chain of {@code allocator}, which take the sites a trace recorded; null when none. */
    static DebugLayer[] debugLayers(Allocator allocator) {
        List<DebugLayer> found = Decorator.all(allocator, DebugLayer.class);
        return found.isEmpty() ? null : found.toArray(DebugLayer[]::new);
    }

    /** What each layer with {@link Findings} in the chain of {@code allocator} found, by the layer's name. */
    static Map<String, Map<String, Object>> layerFindings(Allocator allocator) {
        var out = new LinkedHashMap<String, Map<String, Object>>();
        for (Findings f : Decorator.all(allocator, Findings.class)) {
            out.putIfAbsent(f.decoratorName(), f.findings());
        }
        return out;
    }

    /** The layers {@code allocator} runs under, outermost first: what results record as decorators. */
    static List<String> decorators(Allocator allocator) {
        return Decorator.names(allocator);
    }

    /**
     * The harness's own cost per operation of {@code ops}, in nanoseconds: replays through an allocator
     * that does nothing, timed as real replays are. The least of several, after two to warm up: what is
     * wanted is the harness's cost, not the JIT's or the collector's, which vary from one replay to the
     * next on a small machine. Progress is told after each replay.
     */
    public double calibrate(Operations ops) {
        var bare = new Replayer(Touch.NONE, latencySampling).withMaxRequest(maxRequest);
        long best = Long.MAX_VALUE;
        for (int round = 0; round < CALIBRATION_ROUNDS; round++) {
            try (var noop = NoopAllocator.forRound(round)) {
                long elapsed = bare.replay("calibration", Map.of(), ops, noop, null).elapsedNanos();
                if (round >= 2) {
                    best = Math.min(best, elapsed);
                }
            }
            progress.reached((round + 1L) * ops.size());
        }
        return (double) best / Math.max(1, ops.size());
    }

    /** One stream by the calling thread: exact peak live, the footprint sampled between operations. */
    private RunResult replayOne(Labels what, Operations ops, Allocator allocator, VirtualMemory vm) {
        var replay = new Replay(1, ops.slotCount(), allocator, touch, maxRequest, touchLimit(), latencySampling,
                waitTimeout.toNanos());
        var probe = new OneThreadProbe(ops, allocator, vm);
        var loop = new StreamReplay(0, ops, replay, probe, ops.hasSites() ? debugLayers(allocator) : null, null);
        probe.start();
        loop.run();
        long elapsed = System.nanoTime() - probe.started - probe.probing;
        if (vm == null) {
            return calibration(ops, elapsed);
        }
        return replay.finish(what, List.of(loop), List.of(ops), vm, probe.footprint, probe.timeline, elapsed,
                loop.peakLive, probe.heap, verify);
    }

    /**
     * What the one-thread replay does between operations, its time excluded from the replay's: a footprint
     * sample every {@code n / 250} operations and each time live bytes pass their high by 2% (so
     * peaks are seen), the heap map at its operation, and progress at each sample.
     */
    private final class OneThreadProbe implements StreamReplay.Probe {
        final FootprintProbe footprint;
        final Timeline timeline = new Timeline();
        final Allocator allocator;
        final VirtualMemory vm;
        final int sampleEvery;
        final int heapMapIndex;
        HeapSnapshot heap;
        long nextPeakSample = 1;
        long started;
        long probing;

        OneThreadProbe(Operations ops, Allocator allocator, VirtualMemory vm) {
            this.footprint = vm == null ? null : new FootprintProbe(allocator, vm);
            this.allocator = allocator;
            this.vm = vm;
            this.sampleEvery = Math.max(1, ops.size() / TIMELINE_POINTS);
            this.heapMapIndex = vm == null ? -1 : heapMapIndex(ops);
        }

        void start() {
            started = System.nanoTime();
        }

        @Override
        public void after(int i, long live) {
            if (i == heapMapIndex) {
                long p0 = System.nanoTime();
                heap = HeapSnapshot.take(allocator, vm, i + 1L, live);
                probing += System.nanoTime() - p0;
            }
            if (footprint != null && (i % sampleEvery == 0 || live >= nextPeakSample)) {
                long p0 = System.nanoTime();
                timeline.add(new Timeline.Sample(i + 1L, p0 - started - probing, live, footprint.committed(),
                        footprint.resident()));
                nextPeakSample = Math.max(nextPeakSample, live + live / 50 + 1);
                progress.reached(i + 1L);
                probing += System.nanoTime() - p0;
            }
        }
    }

    Touch touch() {
        return touch;
    }

    int latencySampling() {
        return latencySampling;
    }

    long waitNanos() {
        return waitTimeout.toNanos();
    }

    Progress progress() {
        return progress;
    }

    boolean verifies() {
        return verify;
    }

    static long emulateReallocate(Allocator allocator, long address, long oldSize, long newSize, boolean canFree) {
        long moved = allocator.allocate(newSize);
        if (moved != 0) {
            allocator.memory().copy(address, moved, Math.min(oldSize, newSize));
            if (canFree) {
                allocator.free(address);
            }
        }
        return moved;
    }

    /** Writes into a new block what {@code touch} says. */
    static void touch(Touch touch, Memory memory, long address, long size, int slot) {
        switch (touch) {
            case NONE -> { }
            case FIRST -> {
                if (size >= Long.BYTES) {
                    memory.putLong(address, slot);
                } else {
                    memory.putByte(address, (byte) slot);
                }
            }
            case ALL -> memory.fill(address, size, (byte) slot);
        }
    }
}
