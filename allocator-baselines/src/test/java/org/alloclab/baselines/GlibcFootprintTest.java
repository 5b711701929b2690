package org.alloclab.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Sizes;
import org.junit.jupiter.api.Test;

/**
 * glibc's footprint read from the arena of the thread that allocates ({@link ArenaFootprint}). Each test
 * runs on a platform thread of its own, as the harness runs each replay, so the allocator's blocks land
 * in that thread's arena; the module's tests run with {@code MALLOC_ARENA_MAX} raised (see the pom), which
 * gives that thread an arena no other thread uses.
 */
class GlibcFootprintTest {

    private static final long MARGIN = 512 * Sizes.KiB;

    /** {@code body} on a new platform thread, its exceptions and assertion failures rethrown here. */
    private static <T> T onFreshThread(Callable<T> body) throws Exception {
        var result = new AtomicReference<T>();
        var failure = new AtomicReference<Throwable>();
        Thread t = Thread.ofPlatform().name("glibc-footprint-test").start(() -> {
            try {
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() instanceof Exception e) {
            throw e;
        }
        if (failure.get() instanceof Error e) {
            throw e;
        }
        return result.get();
    }

    /**
     * The arena figures are in use, on an arena of the thread's own. Outside Maven (no MALLOC_ARENA_MAX) a
     * thread may be handed main_arena or a JVM thread's arena; the test is then skipped.
     */
    private static void requireArenaMeasure(GlibcAllocator a, AllocatorStats s) {
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            assumeThat(a.footprintFallback()).as("why the arena is not measured").isNull();
            assumeThat(s.get("glibc_arena_threads")).as("threads on this thread's arena").isLessThanOrEqualTo(1);
        }
        assertThat(a.footprintFallback()).as("why the arena is not measured").isNull();
        assertThat(s.get("glibc_arena_measure")).isEqualTo(1);
        assertThat(s.get("glibc_arena_threads")).as("threads on this thread's arena").isLessThanOrEqualTo(1);
    }

    @Test
    void manySmallBlocksShowInCommittedAndResidentAndStayResidentUntilTrimmed() throws Exception {
        onFreshThread(() -> {
            try (var a = new GlibcAllocator()) {
                long first = a.allocate(100);             // the arena is seen: the baseline
                AllocatorStats before = a.stats();
                requireArenaMeasure(a, before);
                var blocks = new ArrayList<Long>();
                long live = 0;
                while (live < 32 * Sizes.MiB) {
                    long p = a.allocate(500);
                    a.memory().fill(p, 500, (byte) 7);
                    blocks.add(p);
                    live += 500;
                }
                AllocatorStats full = a.stats();
                requireArenaMeasure(a, full);
                assertThat(full.get("glibc_arenas")).isEqualTo(1);
                // 500 bytes in a 512-byte chunk: 2.4% more than asked, plus whatever the JVM mallocs on the thread
                long grown = full.get(AllocatorStats.COMMITTED_BYTES) - before.get(AllocatorStats.COMMITTED_BYTES);
                // (an arena an earlier test's thread left comes with free space whose pages were resident: a
                // few of those are not counted again, hence the lower margin)
                assertThat(grown).as(full.toString()).isBetween(live - MARGIN, live * 1024 / 1000 + MARGIN);
                long residentGrown = full.get("resident_bytes") - before.get("resident_bytes");
                assertThat(residentGrown).as(full.toString()).isBetween(live - MARGIN, live * 1024 / 1000 + MARGIN);
                assertThat(full.get("glibc_heap_resident_bytes")).isLessThanOrEqualTo(full.get("glibc_heap_bytes"));
                assertThat(full.get("glibc_mmapped_bytes")).isZero();

                // A free gives no page back by itself: resident pages leave only with the heap size glibc
                // trims off the top of the heap (never below the last block still live).
                blocks.forEach(a::free);
                AllocatorStats empty = a.stats();
                requireArenaMeasure(a, empty);
                assertThat(empty.get(AllocatorStats.LIVE_BYTES)).isEqualTo(100);
                long trimmed = full.get("glibc_heap_bytes") - empty.get("glibc_heap_bytes");
                long dropped = full.get("glibc_heap_resident_bytes") - empty.get("glibc_heap_resident_bytes");
                assertThat(trimmed).as("the JVM's own mallocs on this thread may add a little").isGreaterThan(-MARGIN);
                assertThat(dropped).as("resident bytes gone, with %d trimmed: %s", trimmed, empty)
                        .isLessThanOrEqualTo(Math.max(0, trimmed) + 16 * Libc.PAGE_SIZE);
                assertThat(empty.get(AllocatorStats.PEAK_COMMITTED_BYTES)).isGreaterThanOrEqualTo(full.get(AllocatorStats.COMMITTED_BYTES));
                a.free(first);
            }
            return null;
        });
    }

    /**
     * Above 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX) a block is always mmapped on its own, whatever the JVM did to
     * glibc's dynamic threshold; it counts while live, moves with realloc, and goes away on free.
     */
    @Test
    void aLargeBlockIsMmappedAndGoesAwayOnFree() throws Exception {
        onFreshThread(() -> {
            try (var a = new GlibcAllocator()) {
                long small = a.allocate(64);
                AllocatorStats before = a.stats();
                requireArenaMeasure(a, before);
                long size = 40 * Sizes.MiB;
                long p = a.allocate(size);
                a.memory().fill(p, size, (byte) 1);
                AllocatorStats big = a.stats();
                assertThat(big.get("glibc_mmapped_bytes")).isBetween(size, size + Libc.PAGE_SIZE);
                assertThat(big.get("glibc_mmapped_resident_bytes")).isBetween(size, size + Libc.PAGE_SIZE);
                assertThat(big.get(AllocatorStats.COMMITTED_BYTES) - before.get(AllocatorStats.COMMITTED_BYTES))
                        .isBetween(size, size + MARGIN);
                assertThat(big.get("resident_bytes") - before.get("resident_bytes")).isBetween(size, size + MARGIN);

                long q = a.reallocate(p, size + 8 * Sizes.MiB);
                assertThat(q).isNotZero();
                assertThat(a.stats().get("glibc_mmapped_bytes")).isBetween(size + 8 * Sizes.MiB, size + 8 * Sizes.MiB + Libc.PAGE_SIZE);

                a.free(q);
                AllocatorStats after = a.stats();
                assertThat(after.get("glibc_mmapped_bytes")).isZero();
                assertThat(after.get("glibc_mmapped_resident_bytes")).isZero();
                assertThat(after.get(AllocatorStats.COMMITTED_BYTES)).isLessThan(before.get(AllocatorStats.COMMITTED_BYTES) + MARGIN);
                assertThat(after.get(AllocatorStats.PEAK_COMMITTED_BYTES)).isGreaterThanOrEqualTo(size + 8 * Sizes.MiB);
                a.free(small);
            }
            return null;
        });
    }

    /**
     * A thread's frees of blocks from another thread's arena go to its tcache, and its next mallocs of that
     * size get them back: such blocks are not this thread's arena, which is the only one tracked. (The
     * other thread stays alive meanwhile: an exited thread's arena goes to the next new thread.)
     */
    @Test
    void blocksFromAnotherArenaOutOfTheTcacheAreNotTracked() throws Exception {
        try (var foreign = new GlibcAllocator()) {
            var theirs = new ArrayList<Long>();
            var allocated = new CountDownLatch(1);
            var done = new CountDownLatch(1);
            Thread owner = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 7; i++) {
                    theirs.add(foreign.allocate(200));
                }
                allocated.countDown();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                allocated.await();
                onFreshThread(() -> {
                    try (var a = new GlibcAllocator()) {
                        long own = a.allocate(5000);             // this thread's arena is seen first
                        theirs.forEach(foreign::free);          // into this thread's tcache (7 per size)
                        var got = new ArrayList<Long>();
                        for (int i = 0; i < 7; i++) {
                            got.add(a.allocate(200));
                        }
                        assumeThat(got).as("blocks out of the tcache").containsAnyElementsOf(theirs);
                        AllocatorStats s = a.stats();
                        requireArenaMeasure(a, s);
                        assertThat(s.get("glibc_arenas")).isEqualTo(1);
                        got.forEach(a::free);
                        a.free(own);
                    }
                    return null;
                });
            } finally {
                done.countDown();
                owner.join();
            }
            requireArenaMeasure(foreign, foreign.stats());
            assertThat(foreign.stats().get("glibc_arenas")).isEqualTo(1);
        }
    }

    /** The harness calls stats() hundreds of times per run: it must stay well under a millisecond here. */
    @Test
    void statsStaysCheapWithAFullHeap() throws Exception {
        double micros = onFreshThread(() -> {
            try (var a = new GlibcAllocator()) {
                var blocks = new ArrayList<Long>();
                for (long live = 0; live < 48 * Sizes.MiB; live += 2000) {
                    long p = a.allocate(2000);
                    a.memory().fill(p, 2000, (byte) 3);
                    blocks.add(p);
                }
                requireArenaMeasure(a, a.stats());
                int calls = 300;
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    a.stats();
                }
                double us = (System.nanoTime() - t0) / 1e3 / calls;
                blocks.forEach(a::free);
                return us;
            }
        });
        System.out.printf("glibc stats() with a 48 MiB heap: %.0f µs a call%n", micros);
        assertThat(micros).isLessThan(5_000);
    }

    /** The chunk header's IS_MMAPPED bit: whether glibc gave the block a mapping of its own. */
    private static boolean mmapped(long block) {
        return (MemorySegment.NULL.reinterpret(Long.MAX_VALUE).get(ValueLayout.JAVA_LONG, block - 8) & 2) != 0;
    }

    @Test
    void theMmapThresholdStartsAt128KiBAndRisesAsInANewProcess() throws Exception {
        assertThat(MallocParameters.fault()).as("why mp_ was not found").isNull();
        onFreshThread(() -> {
            try (var a = new GlibcAllocator()) {
                assertThat(MallocParameters.dynamic()).as("dynamic threshold on").isTrue();
                assertThat(MallocParameters.mmapThreshold()).isEqualTo(128 * Sizes.KiB);
                // 4 MiB is above the fresh threshold, so glibc maps it on its own — unless a free chunk of the
                // arena fits it (a thread may be handed an arena an earlier thread left): those are taken first
                var carved = new java.util.ArrayList<Long>();
                long large = a.allocate(4 * Sizes.MiB);
                while (!mmapped(large) && carved.size() < 64) {
                    carved.add(large);
                    large = a.allocate(4 * Sizes.MiB);
                }
                assertThat(mmapped(large)).as("4 MiB: a mapping of its own, once no free chunk fits").isTrue();
                a.free(large);                            // glibc raises the threshold past 4 MiB
                carved.forEach(a::free);
                assertThat(MallocParameters.mmapThreshold()).isGreaterThanOrEqualTo(4 * Sizes.MiB);
                long next = a.allocate(3 * Sizes.MiB);
                assertThat(mmapped(next)).as("3 MiB after a 4 MiB mapping was freed: from the heap").isFalse();
                a.free(next);
                assertThat(a.stats().get("glibc_dynamic_threshold")).isEqualTo(1);
            }
            try (var again = new GlibcAllocator()) {     // a new allocator: thresholds as new again
                assertThat(MallocParameters.mmapThreshold()).isEqualTo(128 * Sizes.KiB);
                assertThat(MallocParameters.dynamic()).isTrue();
            }
            return null;
        });
    }
}
