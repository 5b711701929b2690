package org.alloclab.scoped;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Memory;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.vmem.OsVirtualMemory;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * linear.atomic under real contention: threads released together allocate small blocks with a one-page
 * commit step, so they cross commit boundaries at the same time all the time. Each writes a pattern into
 * every block at once (on the OS virtual memory, touching an uncommitted page would crash the JVM; on the
 * checked simulation it is reported) and checks all its patterns at the end; then every block of every
 * thread must be committed, aligned, and disjoint from every other. No timing is asserted.
 */
class AtomicLinearStressTest {

    private static final int PER_THREAD = 50_000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"4,simulated,0", "8,simulated,0", "4,os,0", "4,simulated,1KiB", "4,os,2KiB"})
    void threadsCrossingCommitBoundariesTogetherGetDisjointCommittedBlocks(String setup) throws Exception {
        int threads = Integer.parseInt(setup.split(",")[0]);
        try (VirtualMemory vm = setup.contains(",os,") ? new OsVirtualMemory()
                : new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB)) {
            Allocator a = Registry.strategies().get("linear.atomic").create(Map.of("reserve", "256MiB",
                    "commit-step", "4KiB", "slack", "0", "thread-buffer", setup.split(",")[2]), vm);
            Memory mem = a.memory();
            var start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<long[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    var random = new SplittableRandom(id);
                    var mine = new ArrayList<long[]>();
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        long size = 1 + random.nextInt(300);
                        long alignment = 1L << random.nextInt(5);
                        long b = a.allocate(size, alignment);
                        assertThat(b).isNotZero();
                        assertThat(b % alignment).isZero();
                        mem.fill(b, size, (byte) (id + 1));
                        mine.add(new long[] {b, size, id + 1});
                    }
                    for (long[] m : mine) {
                        assertThat(mem.getByte(m[0])).isEqualTo((byte) m[2]);
                        assertThat(mem.getByte(m[0] + m[1] - 1)).isEqualTo((byte) m[2]);
                    }
                    return mine;
                }));
            }
            var all = new ArrayList<long[]>();
            long bytes = 0;
            for (Future<List<long[]>> f : futures) {
                for (long[] m : f.get()) {
                    all.add(m);
                    bytes += m[1];
                }
            }
            pool.shutdown();
            all.sort(Comparator.comparingLong(m -> m[0]));
            for (int i = 1; i < all.size(); i++) {
                assertThat(all.get(i)[0]).as("blocks are disjoint").isGreaterThanOrEqualTo(all.get(i - 1)[0] + all.get(i - 1)[1]);
            }
            long last = all.getLast()[0] + all.getLast()[1];
            assertThat(vm.isCommitted(Sizes.alignDown(all.getFirst()[0], vm.pageSize()),
                    Sizes.alignUp(last, vm.pageSize()) - Sizes.alignDown(all.getFirst()[0], vm.pageSize()))).isTrue();
            AllocatorStats s = a.stats();
            assertThat(s.get(AllocatorStats.LIVE_BYTES)).isEqualTo(bytes);
            assertThat(s.get(AllocatorStats.ALLOCATIONS)).isEqualTo((long) threads * PER_THREAD);
            a.verify();
            a.reset();
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
            a.close();
        }
    }
}
