package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.LockingAllocator;
import org.alloclab.api.Memory;
import org.alloclab.api.Registry;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.cells.ExperimentRunner;
import org.alloclab.harness.run.Replayer;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.alloclab.harness.workload.Streams;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs with several threads end to end: the larson and xmalloc workloads on two threads through a
 * strategy that can free but is not thread-safe ({@code test.size-classes}), which the runner puts behind
 * the locking layer; results that say so; latency merged from every thread; and the ways a threaded
 * replay must fail rather than hang.
 */
class ThreadedRunTest {

    @TempDir
    Path dir;

    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));
    private final WorkloadProvider larson = Registry.load("workload", WorkloadProvider.class,
            getClass().getClassLoader()).get("larson");
    private final WorkloadProvider xmalloc = Registry.load("workload", WorkloadProvider.class,
            getClass().getClassLoader()).get("xmalloc");

    private List<RunResult> run(String config) {
        Experiment e = loader.parse(config, "test").withExecution(Experiment.Execution.IN_PROCESS_ONCE);
        var runner = new ExperimentRunner(e, dir.resolve("out"), List.of("test"), System.err,
                loader);
        return runner.run();
    }

    private static long count(List<Operations> streams, Kind kind) {
        return streams.stream().mapToLong(o -> o.countByKind()[kind.ordinal()]).sum();
    }

    @Test
    void larsonAndXmallocRunOnTwoThreadsBehindTheLockWithLatencyFromBothThreads() throws Exception {
        var results = run("""
                alloclab {
                  threads = 2
                  latency-sampling = 1
                  warmup-runs = 1
                  virtual-memory.kind = simulated
                  strategies = [ { name = test.size-classes } ]
                  workloads = [
                    { type = larson, blocks-per-thread = 200, rounds = 4, replacements = 2000 }
                    { type = xmalloc, blocks = 5000, handover = 500 }
                  ]
                }
                """);
        assertThat(results).hasSize(2);
        List<List<Operations>> workloads = List.of(
                larson.generate("larson", larson.resolve(Map.of("blocks-per-thread", 200, "rounds", 4, "replacements", 2000)), 42, 2),
                xmalloc.generate("xmalloc", xmalloc.resolve(Map.of("blocks", 5000, "handover", 500)), 43, 2));
        for (int w = 0; w < 2; w++) {
            RunResult r = results.get(w);
            List<Operations> streams = workloads.get(w);
            assertThat(r.threads()).isEqualTo(2);
            assertThat(r.subject().decorators()).containsExactly(LockingAllocator.NAME);
            assertThat(r.subject().strategyName()).isEqualTo("test.size-classes");
            assertThat(r.counts().failures()).isZero();
            assertThat(r.counts().skipped()).isZero();
            assertThat(r.counts().events()).isEqualTo(Streams.operations(streams));
            // every call timed (latency-sampling = 1): the merged histograms hold both threads' calls
            assertThat(r.latency().get("allocate").getTotalCount()).isEqualTo(count(streams, Kind.ALLOCATE));
            assertThat(r.latency().get("free").getTotalCount()).isEqualTo(count(streams, Kind.FREE));
            assertThat(r.bytes().peakLive()).isPositive();
            assertThat(r.details().strategyStats()).containsKey(LockingAllocator.ACQUISITIONS);
            assertThat(r.details().strategyStats().get(LockingAllocator.ACQUISITIONS)).isGreaterThanOrEqualTo(r.counts().events() - count(streams, Kind.BARRIER));
            assertThat(r.details().strategyStats().get(AllocatorStats.LIVE_BYTES)).as("everything freed at the end").isZero();
            assertThat(r.timing().harnessNanosPerEvent()).isPositive();
            assertThat(r.timeline().samples()).isNotEmpty();
            assertThat(r.throughput()).isPositive();
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("out/results.json").toFile());
        for (JsonNode entry : json.get("results")) {
            assertThat(entry.get("threads").asInt()).isEqualTo(2);
            assertThat(entry.get("decorators").toString()).isEqualTo("[\"locking\"]");
            assertThat(entry.get("latency_ns").get("allocate").get("count").asLong()).isPositive();
        }
    }

    @Test
    void aThreadsSweepRunsEachCountAndOnlyTheThreadedRunIsLocked() {
        var results = run("""
                alloclab {
                  threads = [1, 2]
                  warmup-runs = 0
                  virtual-memory.kind = simulated
                  strategies = [ { name = test.size-classes } ]
                  workloads = [ { type = larson, blocks-per-thread = 100, rounds = 3, replacements = 500 } ]
                }
                """);
        assertThat(results).extracting(RunResult::threads).containsExactly(1, 2);
        assertThat(results.get(0).subject().decorators()).isEmpty();
        assertThat(results.get(1).subject().decorators()).containsExactly("locking");
        assertThat(results.get(1).counts().events()).isEqualTo(2 * results.get(0).counts().events());
        assertThat(results).allSatisfy(r -> assertThat(r.counts().failures()).isZero());
    }

    @Test
    void aStrategyThatCannotFreeIsResetWhenEveryThreadEndsAPhase() {
        var results = run("""
                alloclab {
                  threads = 2
                  warmup-runs = 0
                  virtual-memory.kind = simulated
                  strategies = [ { name = linear.vm, parameters { reserve = 64MiB } } ]
                  workloads = [ { type = random, operations = 3000, phase-length = 1000 } ]
                }
                """);
        RunResult r = results.getFirst();
        assertThat(r.subject().decorators()).containsExactly("locking");
        assertThat(r.counts().failures()).isZero();
        assertThat(r.counts().deferredFrees()).isPositive();
        assertThat(r.latency().get("reset").getTotalCount()).as("one reset per phase end of both threads").isEqualTo(2);
    }

    @Test
    void aHandoverThatNeverComesFailsTheRunNamingThreadAndSlotInsteadOfHanging() {
        List<Operations.Builder> b = Operations.builders("never", 2);
        b.get(0).allocate(16, 8);                      // slot 0
        b.get(1).free(1);                              // slot 1: allocated by no one
        List<Operations> streams = b.stream().map(Operations.Builder::build).map(o -> o.inSlotSpace(0, 2)).toList();
        var replayer = new Replayer(Replayer.Touch.FIRST, 1).withWaitTimeout(Duration.ofSeconds(1));
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = new LockingAllocator(Registry.strategies().get("test.size-classes").create(Map.of(), vm))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> replayer.replay("t", Map.of(), streams, allocator, vm))
                    .hasMessageContaining("thread 1 of 2").hasMessageContaining("FREE of slot 1")
                    .hasMessageContaining("waited 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void oneThreadFailingStopsTheOthersWaitingAtAMeetingAndTheErrorNamesItsThreadAndOperation() {
        List<Operations.Builder> b = Operations.builders("fails", 2);
        for (int k = 0; k < 50; k++) {
            b.get(0).allocate(16, 8);
            b.get(1).allocate(16, 8);
        }
        b.get(0).barrier();
        b.get(1).allocate(4096, 8);                   // the allocator throws here
        b.get(1).barrier();
        List<Operations> streams = b.stream().map(Operations.Builder::build).toList();
        Streams.check(streams);
        var replayer = new Replayer(Replayer.Touch.NONE, 1);   // the default 60 s timeout: stopping must not wait for it
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = new Throwing(4096)) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> replayer.replay("t", Map.of(), streams, allocator, vm))
                    .hasMessageContaining("thread 1 of 2, operation 50 (ALLOCATE of slot 100)")
                    .hasMessageContaining("refuses 4096");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void aReplayOfSeveralStreamsNeedsAThreadSafeAllocator() {
        List<Operations> streams = larson.generate("l", larson.resolve(Map.of("blocks-per-thread", 10, "rounds", 1,
                "replacements", 10)), 1, 2);
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = Registry.strategies().get("test.size-classes").create(Map.of(), vm)) {
            assertThatThrownBy(() -> new Replayer(Replayer.Touch.NONE, 4).replay("t", Map.of(), streams, allocator, vm))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("locking layer");
        }
    }

    @Test
    void threadsIsACountOrAListOfCountsAndBadValuesNameTheKey() {
        assertThat(loader.loadDefault().threads()).containsExactly(1);
        assertThat(loader.parse("alloclab.threads = [1, 2, 4]", "t").threads()).containsExactly(1, 2, 4);
        assertThatThrownBy(() -> loader.parse("alloclab.threads = 0", "my.conf"))
                .hasMessageContaining("alloclab.threads: must be from 1 to 512, was 0");
        assertThatThrownBy(() -> loader.parse("alloclab.threads = many", "my.conf"))
                .hasMessageContaining("alloclab.threads: must be a number of threads or a list of them");
        assertThatThrownBy(() -> loader.parse("alloclab.threads = [2, 2]", "my.conf"))
                .hasMessageContaining("names a count twice");
    }

    /** Thread-safe, hands out made-up addresses that are never touched, and throws for one size. */
    private static final class Throwing extends AbstractAllocator {
        private final long refused;
        private final AtomicLong next = new AtomicLong(1L << 40);

        Throwing(long refused) {
            super("test.throwing", EnumSet.of(Capability.FREE, Capability.THREAD_SAFE));
            this.refused = refused;
        }

        @Override
        public Memory memory() {
            return SegmentMemory.everything();
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            if (size == refused) {
                throw new IllegalStateException("refuses " + size);
            }
            return next.addAndGet(64);
        }

        @Override
        protected void doFree(long address) {
        }

        @Override
        protected boolean doOwns(long address) {
            return true;
        }

        @Override
        protected void doWalk(HeapVisitor visitor) {
        }

        @Override
        protected AllocatorStats doStats() {
            return AllocatorStats.builder().build();
        }

        @Override
        protected void doVerify() {
        }

        @Override
        protected void doClose() {
        }
    }
}
