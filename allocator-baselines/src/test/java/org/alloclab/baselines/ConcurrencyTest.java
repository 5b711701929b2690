package org.alloclab.baselines;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The thread-safe baselines under several threads: blocks freed on other threads than their own, the
 * tracking consistent afterwards, and two threads freeing the same blocks — exactly one free of each
 * reaches the native heap, the other is told the block is not live (a double free would abort glibc).
 */
class ConcurrencyTest {

    private static final int THREADS = 4;

    private VirtualMemory vm;
    private ExecutorService pool;

    @BeforeEach
    void open() {
        vm = Registry.virtualMemories().get("simulated").create(Map.of());
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        vm.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"glibc", "jemalloc", "netty", "jdk-arena"})
    void blocksMoveBetweenThreads(String name) throws Exception {
        try (Allocator a = Registry.strategies().get(name).create(Map.of(), vm)) {
            var handOff = new ConcurrentLinkedQueue<long[]>();   // {address, size, pattern}
            var futures = new ArrayList<Future<?>>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    var rnd = new SplittableRandom(seed);
                    for (int i = 0; i < 2000; i++) {
                        long size = 1 + rnd.nextInt(4096);
                        long p = a.allocate(size, 1L << rnd.nextInt(7));
                        assertThat(p).isNotZero();
                        a.memory().putByte(p, (byte) size);
                        if (rnd.nextInt(4) == 0) {
                            long q = a.reallocate(p, size * 2);
                            assertThat(a.memory().getByte(q)).isEqualTo((byte) size);
                            p = q;
                        }
                        handOff.add(new long[] {p, size});
                        long[] other = handOff.poll();
                        if (other != null && rnd.nextBoolean()) {
                            assertThat(a.memory().getByte(other[0])).isEqualTo((byte) other[1]);
                            a.free(other[0]);
                        } else if (other != null) {
                            handOff.add(other);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            a.verify();
            assertThat(a.stats().get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(handOff.size());
            handOff.forEach(b -> a.free(b[0]));
            a.verify();
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
            assertThat(a.stats().get(AllocatorStats.LIVE_BLOCKS)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"glibc", "jemalloc", "netty", "jdk-arena"})
    void racingFreesOfTheSameBlocksFreeEachOnce(String name) throws Exception {
        try (Allocator a = Registry.strategies().get(name).create(Map.of(), vm)) {
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                blocks.add(a.allocate(16 + i % 500));
            }
            var freed = new AtomicInteger();
            var refused = new AtomicInteger();
            var start = new CyclicBarrier(2);
            var futures = new ArrayList<Future<?>>();
            for (int t = 0; t < 2; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (long p : blocks) {
                        try {
                            a.free(p);
                            freed.incrementAndGet();
                        } catch (InvalidFreeException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            assertThat(freed.get()).isEqualTo(blocks.size());
            assertThat(refused.get()).isEqualTo(blocks.size());
            a.verify();
            assertThat(a.stats().get(AllocatorStats.LIVE_BLOCKS)).isZero();
        }
    }
}
