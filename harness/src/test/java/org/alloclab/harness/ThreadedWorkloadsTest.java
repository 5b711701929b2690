package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Parameters;
import org.alloclab.harness.workload.LarsonWorkload;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.alloclab.harness.workload.RandomWorkload;
import org.alloclab.harness.workload.Streams;
import org.alloclab.harness.workload.WorkloadProvider;
import org.alloclab.harness.workload.XmallocWorkload;
import org.junit.jupiter.api.Test;

/**
 * The rules workloads for several threads follow (see {@link Operations}): generation is deterministic,
 * every free and reallocation names a slot allocated exactly once, in some stream, before it can run, a
 * block is handed over at most once, meeting points are balanced and the waits are never cyclic — checked
 * here independently of {@link Streams#check}, and {@link Streams#check} itself is shown to catch each
 * broken rule.
 */
class ThreadedWorkloadsTest {

    private final LarsonWorkload larson = new LarsonWorkload();
    private final XmallocWorkload xmalloc = new XmallocWorkload();

    private static Parameters small(WorkloadProvider w, Map<String, ?> given) {
        return w.resolve(given);
    }

    /** What one independent pass over the streams finds; asserts the per-slot rules on the way. */
    private record Shape(long allocations, long frees, long crossFrees, int[] meetings, int[] allocatorOf) {
    }

    private static Shape shape(List<Operations> streams) {
        int space = Streams.slotSpace(streams);
        int[] allocatorOf = new int[space];
        int[] allocations = new int[space];
        int[] userOf = new int[space];
        java.util.Arrays.fill(allocatorOf, -1);
        java.util.Arrays.fill(userOf, -1);
        long allocationCount = 0;
        int[] meetings = new int[streams.size()];
        for (int t = 0; t < streams.size(); t++) {
            Operations ops = streams.get(t);
            assertThat(ops.slotCount()).as("every stream spans the shared slot space").isEqualTo(space);
            for (int i = 0; i < ops.size(); i++) {
                if (ops.kind(i) == Kind.ALLOCATE) {
                    allocations[ops.slot(i)]++;
                    allocatorOf[ops.slot(i)] = t;
                    allocationCount++;
                } else if (ops.kind(i) == Kind.BARRIER || ops.kind(i) == Kind.PHASE_END) {
                    meetings[t]++;
                }
            }
        }
        for (int s = 0; s < space; s++) {
            assertThat(allocations[s]).as("slot %d is allocated exactly once", s).isEqualTo(1);
        }
        long frees = 0;
        long cross = 0;
        for (int t = 0; t < streams.size(); t++) {
            Operations ops = streams.get(t);
            for (int i = 0; i < ops.size(); i++) {
                if (ops.kind(i) == Kind.FREE || ops.kind(i) == Kind.REALLOCATE) {
                    int s = ops.slot(i);
                    assertThat(userOf[s] == -1 || userOf[s] == t).as("slot %d has one user", s).isTrue();
                    userOf[s] = t;
                    if (ops.kind(i) == Kind.FREE) {
                        frees++;
                        if (allocatorOf[s] != t) {
                            cross++;
                        }
                    }
                }
            }
        }
        return new Shape(allocationCount, frees, cross, meetings, allocatorOf);
    }

    private static boolean same(List<Operations> a, List<Operations> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int t = 0; t < a.size(); t++) {
            if (!OperationsChecker.same(a.get(t), b.get(t))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void larsonPassesPartitionsBetweenThreadsSoMostFreesCrossThreads() {
        var p = small(larson, Map.of("blocks-per-thread", 100, "rounds", 5, "replacements", 400));
        for (int threads = 1; threads <= 4; threads++) {
            List<Operations> streams = larson.generate("larson", p, 42, threads);
            assertThat(streams).hasSize(threads);
            Streams.check(streams);
            Shape shape = shape(streams);
            assertThat(shape.meetings()).as("one meeting before every round, in every stream").containsOnly(5);
            assertThat(shape.allocations()).isEqualTo(threads * (100L + 5 * 400));
            assertThat(shape.frees()).isEqualTo(threads * 5L * 400);
            if (threads == 1) {
                assertThat(shape.crossFrees()).isZero();
            } else {
                // from round 1 on, a partition's blocks were allocated by the thread that held it before: the
                // ~98 of 100 blocks that 400 replacements touch are inherited, so about 1 free in 4 crosses
                assertThat(shape.crossFrees()).as("%d threads", threads).isBetween(shape.frees() / 10, shape.frees() / 3);
            }
        }
    }

    @Test
    void larsonIsDeterministicAndItsFirstStreamIsTheOneThreadWorkload() {
        var p = small(larson, Map.of("blocks-per-thread", 50, "rounds", 3, "replacements", 100));
        assertThat(same(larson.generate("w", p, 7, 3), larson.generate("w", p, 7, 3))).isTrue();
        assertThat(same(larson.generate("w", p, 7, 3), larson.generate("w", p, 8, 3))).isFalse();
        assertThat(OperationsChecker.same(larson.generate("w", p, 7), larson.generate("w", p, 7, 1).getFirst())).isTrue();
        OperationsChecker.assertSeeded(larson, Map.of("blocks-per-thread", 50, "rounds", 3, "replacements", 100));
        OperationsChecker.check(larson.generate("w", p, 7), 8, 1024);
    }

    @Test
    void xmallocProducersOnlyAllocateAndConsumersOnlyFreeWhatProducersMade() {
        var p = small(xmalloc, Map.of("blocks", 2500, "handover", 1000));
        for (int threads = 2; threads <= 5; threads++) {
            List<Operations> streams = xmalloc.generate("xmalloc", p, 42, threads);
            Streams.check(streams);
            Shape shape = shape(streams);
            int producers = (threads + 1) / 2;
            assertThat(shape.allocations()).isEqualTo(producers * 2500L);
            assertThat(shape.frees()).as("every block is freed").isEqualTo(shape.allocations());
            assertThat(shape.crossFrees()).as("by another thread").isEqualTo(shape.frees());
            assertThat(shape.meetings()).as("a meeting between the three intervals").containsOnly(2);
            for (int t = 0; t < threads; t++) {
                Operations ops = streams.get(t);
                long[] kinds = ops.countByKind();
                if (t < producers) {
                    assertThat(kinds[Kind.FREE.ordinal()]).as("producer %d frees nothing", t).isZero();
                } else {
                    assertThat(kinds[Kind.ALLOCATE.ordinal()]).as("consumer %d allocates nothing", t).isZero();
                    assertThat(kinds[Kind.FREE.ordinal()]).as("consumer %d frees", t).isPositive();
                }
            }
        }
        assertThat(same(xmalloc.generate("w", p, 1, 3), xmalloc.generate("w", p, 1, 3))).isTrue();
        assertThat(same(xmalloc.generate("w", p, 1, 3), xmalloc.generate("w", p, 2, 3))).isFalse();
    }

    @Test
    void xmallocWithoutConsumersFreesEachIntervalItselfAndRejectsTooManyProducers() {
        var p = small(xmalloc, Map.of("blocks", 300, "handover", 100));
        List<Operations> one = xmalloc.generate("w", p, 1, 1);
        Streams.check(one);
        var report = OperationsChecker.check(one.getFirst(), 8, 1024);
        assertThat(report.allocations()).isEqualTo(300);
        assertThat(report.maxLive()).as("an interval's blocks at most").isEqualTo(100);
        assertThat(report.liveAtEnd()).isZero();
        var all = small(xmalloc, Map.of("blocks", 300, "handover", 100, "producers", 2));
        assertThat(shape(xmalloc.generate("w", all, 1, 2)).crossFrees()).isZero();
        assertThatThrownBy(() -> xmalloc.generate("w", small(xmalloc, Map.of("producers", 3)), 1, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("producers");
    }

    @Test
    void aOneThreadShapeGivesEveryThreadItsOwnGenerationInItsOwnSlots() {
        var random = new RandomWorkload();
        var p = random.resolve(Map.of("operations", 3000, "phase-length", 1000));
        List<Operations> streams = random.generate("r", p, 5, 3);
        Streams.check(streams);
        Shape shape = shape(streams);
        assertThat(shape.crossFrees()).isZero();
        assertThat(shape.meetings()).as("phase ends line up").containsOnly(2);
        Operations alone = random.generate("r", p, 5);
        int space = Streams.slotSpace(streams);
        assertThat(OperationsChecker.same(alone.inSlotSpace(0, space), streams.getFirst()))
                .as("thread 0 replays the one-thread workload").isTrue();
        assertThat(random.generate("r", p, 5, 1)).hasSize(1);
        Operations own = random.generate("r", p, 5 + WorkloadProvider.THREAD_SEED_STEP);
        assertThat(OperationsChecker.same(own.inSlotSpace(alone.slotCount(), space), streams.get(1)))
                .as("thread 1 replays its own generation in the slots after thread 0's").isTrue();
    }

    // Streams.check catches each broken rule, naming the stream and operation.

    private static List<Operations> streams(java.util.function.Consumer<List<Operations.Builder>> script, int threads) {
        List<Operations.Builder> builders = Operations.builders("t", threads);
        script.accept(builders);
        return builders.stream().map(Operations.Builder::build).toList();
    }

    @Test
    void aCyclicWaitIsCaughtBeforeAnythingRuns() {
        // each stream frees the other's block before allocating its own: neither can ever start
        List<Operations> cyclic = streams(s -> {
            s.get(0).free(1);
            s.get(1).free(0);
            s.get(0).allocate(8, 8);            // slot 0
            s.get(1).allocate(8, 8);            // slot 1
        }, 2);
        assertThatThrownBy(() -> Streams.check(cyclic)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot finish")
                .hasMessageContaining("stream 0 waits at operation 0 (FREE of slot 1, allocated by stream 1 at operation 1)")
                .hasMessageContaining("stream 1 waits at operation 0 (FREE of slot 0, allocated by stream 0 at operation 1)");
        // the same handovers with the allocations first are fine
        Streams.check(streams(s -> {
            int a = s.get(0).allocate(8, 8);
            int b = s.get(1).allocate(8, 8);
            s.get(0).free(b);
            s.get(1).free(a);
        }, 2));
    }

    @Test
    void aWaitAcrossAMeetingInTheWrongDirectionIsCyclicToo() {
        // stream 1 frees, before the meeting, a block stream 0 allocates only after it
        List<Operations> late = streams(s -> {
            s.get(1).free(0);
            s.get(1).barrier();
            s.get(0).barrier();
            s.get(0).allocate(8, 8);
        }, 2);
        assertThatThrownBy(() -> Streams.check(late)).hasMessageContaining("stream 0 waits at meeting point 1")
                .hasMessageContaining("stream 1 waits at operation 0");
    }

    @Test
    void unbalancedMeetingsDoubleAllocationsSharedBlocksAndUnknownSlotsAreCaught() {
        assertThatThrownBy(() -> Streams.check(streams(s -> {
            s.get(0).barrier();
            s.get(0).allocate(8, 8);
        }, 2))).hasMessageContaining("stream 1 ends while others wait at meeting point 1");
        assertThatThrownBy(() -> Streams.check(streams(s -> {
            int a = s.get(0).allocate(8, 8);
            s.get(1).free(a);
            s.get(0).free(a);
        }, 2))).hasMessageContaining("stream 1, operation 0: uses slot 0 after it was freed");
        assertThatThrownBy(() -> Streams.check(streams(s -> {
            int a = s.get(0).allocate(8, 8);
            s.get(1).reallocate(a, 16);
            s.get(2).free(a);
        }, 3))).hasMessageContaining("stream 2, operation 0: uses slot 0, which stream 1 uses too: a block is handed over at most once");
        assertThatThrownBy(() -> Streams.check(streams(s -> s.get(0).free(7), 1)))
                .hasMessageContaining("outside the slot space");
        assertThatThrownBy(() -> Streams.check(streams(s -> {
            s.get(0).allocate(8, 8);
            s.get(1).free(1);
            s.get(1).allocate(8, 8);
        }, 2))).hasMessageContaining("stream 1 waits at operation 0 (FREE of slot 1, allocated by stream 1");
        List<Operations> one = streams(s -> {
            s.get(0).allocate(8, 8);
            s.get(0).barrier();
        }, 2);
        assertThat(Streams.balance(one)).extracting(Streams::meetingPoints).containsExactly(1, 1);
        Streams.check(Streams.balance(one));
    }
}
