package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.LockingAllocator;
import org.alloclab.api.Memory;
import org.alloclab.api.Registry;
import org.alloclab.api.SegmentMemory;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.run.Replayer;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.run.Timeline;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Streams;
import org.junit.jupiter.api.Test;

/**
 * The footprint of a replay on several threads is as exact as on one: peak live bytes are the true peak of all
 * threads' live bytes together, not the highest of a few samples, and a timeline sample never shows committed bytes
 * read apart from its live bytes. No assertion here is about time.
 */
class ThreadedFootprintTest {

    @Test
    void peakLiveWithFourThreadsIsTheTruePeakOfTheirSum() {
        int threads = 4;
        int blocks = 50;
        int rounds = 20;
        List<Operations.Builder> b = Operations.builders("meet at the peak", threads);
        long expected = 0;
        for (int round = 0; round < rounds; round++) {
            long atMeeting = 0;
            for (int t = 0; t < threads; t++) {
                long size = 64L * (t + 1) + 16L * round;
                var slots = new ArrayList<Integer>();
                for (int k = 0; k < blocks; k++) {
                    slots.add(b.get(t).allocate(size, 16));
                }
                atMeeting += blocks * size;
                b.get(t).barrier();               // every thread holds its blocks here: the round's peak
                slots.forEach(b.get(t)::free);
                b.get(t).barrier();
            }
            expected = Math.max(expected, atMeeting);
        }
        for (int t = 0; t < threads; t++) {
            b.get(t).allocate(16, 16);            // what is live at the end is far below the peak
        }
        List<Operations> streams = b.stream().map(Operations.Builder::build).toList();
        Streams.check(streams);

        var replayer = new Replayer(Replayer.Touch.FIRST, 1);
        for (int replay = 0; replay < 3; replay++) {
            try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
                 var allocator = new LockingAllocator(Registry.strategies().get("test.size-classes").create(Map.of(), vm))) {
                RunResult r = replayer.replay("t", Map.of(), streams, allocator, vm);
                assertThat(r.counts().failures()).isZero();
                assertThat(r.bytes().peakLive()).as("replay %d", replay).isEqualTo(expected);
                for (Timeline.Sample s : r.timeline().samples()) {
                    assertThat(s.committed()).as("committed at sample %s", s).isGreaterThanOrEqualTo(s.live());
                }
            }
        }
    }

    @Test
    void aSampleReadsCommittedAndLiveAtOneMomentEvenWhenReadingCommittedIsSlow() {
        // Thread 0 holds 100,000 bytes while an allocation of 77 bytes takes 30 ms, then frees everything; reading the
        // committed bytes takes 60 ms. A sampler that sums the threads' live bytes first and reads committed after
        // sees 100,000 live beside the few bytes held once the reading ends.
        List<Operations.Builder> b = Operations.builders("slow", 2);
        int big = b.get(0).allocate(100_000, 16);
        int slow = b.get(0).allocate(SlowStats.SLOW_SIZE, 16);
        b.get(0).free(big);
        b.get(0).free(slow);
        b.get(0).allocate(8, 16);
        b.get(1).allocate(8, 16);
        List<Operations> streams = b.stream().map(Operations.Builder::build).toList();
        Streams.check(streams);
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = new SlowStats()) {
            RunResult r = new Replayer(Replayer.Touch.NONE, 1).replay("t", Map.of(), streams, allocator, vm);
            assertThat(r.timeline().samples()).isNotEmpty();
            for (Timeline.Sample s : r.timeline().samples()) {
                assertThat(s.committed()).as("committed at sample %s", s).isGreaterThanOrEqualTo(s.live());
            }
            assertThat(r.bytes().peakLive()).isEqualTo(100_000 + SlowStats.SLOW_SIZE + 8);
        }
    }

    /**
     * Thread-safe and external: hands out made-up addresses it never touches and reports as committed exactly the bytes
     * of the blocks it holds; allocating {@link #SLOW_SIZE} bytes takes 30 ms, and reading its statistics 60 ms.
     */
    private static final class SlowStats extends AbstractAllocator {
        static final long SLOW_SIZE = 77;
        private final AtomicLong next = new AtomicLong(1L << 40);
        private final Map<Long, Long> sizes = new ConcurrentHashMap<>();
        private final AtomicLong held = new AtomicLong();

        SlowStats() {
            super("test.slow-stats", EnumSet.of(Capability.FREE, Capability.THREAD_SAFE, Capability.EXTERNAL_MEMORY));
        }

        @Override
        public Memory memory() {
            return SegmentMemory.everything();
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            long a = next.addAndGet(1 << 20);
            sizes.put(a, size);
            held.addAndGet(size);
            if (size == SLOW_SIZE) {
                sleep(30);
            }
            return a;
        }

        @Override
        protected void doFree(long address) {
            held.addAndGet(-sizes.remove(address));
        }

        @Override
        protected boolean doOwns(long address) {
            return sizes.containsKey(address);
        }

        @Override
        protected void doWalk(HeapVisitor visitor) {
        }

        @Override
        protected AllocatorStats doStats() {
            sleep(60);
            return AllocatorStats.builder().bytes(AllocatorStats.COMMITTED_BYTES, held.get(), "bytes of the blocks held").build();
        }

        @Override
        protected void doVerify() {
        }

        @Override
        protected void doClose() {
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
