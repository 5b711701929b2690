package org.alloclab.dsmalloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Memory;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.vmem.OsVirtualMemory;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code try-next} mode under real contention: threads allocate, write a pattern, check it, reallocate
 * and free mostly small blocks at once, handing some blocks to one another so frees cross threads. No
 * timing is asserted: a torn block, a lost block or a broken heap fails the test.
 */
class CommonTryNextStressTest {

    private static final int OPS = 40_000;

    @ParameterizedTest(name = "{0} threads on {1}")
    @ValueSource(strings = {"2,simulated", "4,simulated", "4,os"})
    void threadsKeepTheirBlocksIntact(String setup) throws Exception {
        int threads = Integer.parseInt(setup.split(",")[0]);
        try (VirtualMemory vm = setup.endsWith("os") ? new OsVirtualMemory()
                : new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB)) {
            var a = (CommonAllocator) new CommonProvider().create(Map.of("threads-mode", "try-next",
                    "segment-size", "1MiB", "segment-threshold", "64KiB"), vm);
            Memory mem = a.memory();
            var shared = new java.util.concurrent.ConcurrentLinkedQueue<long[]>();   // {address, size, tag}
            var start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<long[]>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    var rnd = new SplittableRandom(42 + id);
                    var mine = new ArrayList<long[]>();
                    start.await();
                    for (int op = 0; op < OPS; op++) {
                        int r = rnd.nextInt(100);
                        if (r < 50 || mine.isEmpty()) {
                            long size = rnd.nextInt(10) == 0 ? 257 + rnd.nextInt(8000) : 1 + rnd.nextInt(256);
                            long b = a.allocate(size);
                            assertThat(b).isNotZero();
                            long tag = ((long) id << 40) ^ op;
                            fill(mem, b, size, tag);
                            mine.add(new long[] {b, size, tag});
                        } else if (r < 85) {
                            long[] x = mine.remove(rnd.nextInt(mine.size()));
                            check(mem, x);
                            a.free(x[0]);
                        } else if (r < 95) {
                            int i = rnd.nextInt(mine.size());
                            long[] x = mine.get(i);
                            check(mem, x);
                            long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 256 : 4000);
                            long b = a.reallocate(x[0], size);
                            assertThat(b).isNotZero();
                            long[] y = {b, Math.min(size, x[1]), x[2]};
                            check(mem, y);
                            fill(mem, b, size, x[2]);
                            mine.set(i, new long[] {b, size, x[2]});
                        } else if (r < 98) {
                            shared.add(mine.remove(mine.size() - 1));        // another thread frees it
                        } else {
                            long[] x = shared.poll();
                            if (x != null) {
                                check(mem, x);
                                a.free(x[0]);
                            }
                        }
                    }
                    return mine;
                }));
            }
            var survivors = new ArrayList<long[]>();
            for (var f : results) {
                survivors.addAll(f.get());
            }
            pool.shutdown();
            survivors.addAll(shared);
            a.verify();
            AllocatorStats s = a.stats();
            assertThat(s.get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(survivors.size());
            assertThat(s.get(AllocatorStats.LIVE_BYTES)).isEqualTo(survivors.stream().mapToLong(x -> x[1]).sum());
            for (long[] x : survivors) {
                check(mem, x);
                a.free(x[0]);
            }
            a.verify();
            a.flush();                         // the spares and the commit cache kept for speed go back
            assertThat(a.stats().get("map_regions")).isZero();
            assertThat(vm.stats().committedBytes()).isZero();
            a.close();
            assertThat(vm.stats().reservedBytes()).isZero();
        }
    }

    /**
     * Each 8-byte word of the block holds tag ^ offset, little-endian; a tail shorter than a word holds the
     * matching bytes of its word, so any prefix of a block can be checked alone.
     */
    private static void fill(Memory mem, long b, long size, long tag) {
        long o = 0;
        for (; o + 8 <= size; o += 8) {
            mem.putLong(b + o, tag ^ o);
        }
        for (; o < size; o++) {
            mem.putByte(b + o, expected(tag, o));
        }
    }

    private static void check(Memory mem, long[] x) {
        long b = x[0];
        long o = 0;
        for (; o + 8 <= x[1]; o += 8) {
            if (mem.getLong(b + o) != (x[2] ^ o)) {
                throw new AssertionError("block " + Sizes.hex(b) + " of " + x[1] + " bytes torn at offset " + o);
            }
        }
        for (; o < x[1]; o++) {
            if (mem.getByte(b + o) != expected(x[2], o)) {
                throw new AssertionError("block " + Sizes.hex(b) + " of " + x[1] + " bytes torn at offset " + o);
            }
        }
    }

    private static byte expected(long tag, long o) {
        return (byte) ((tag ^ (o & ~7L)) >>> (8 * (o & 7)));
    }
}
