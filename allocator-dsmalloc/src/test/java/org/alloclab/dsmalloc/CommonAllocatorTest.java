package org.alloclab.dsmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The common allocator's own rules: class routing, free routing, bad frees, reallocation, try-next. */
class CommonAllocatorTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    /** With {@code commit-cache = 0} unless given: these are the strict rules (see {@link DeployedCacheTest}). */
    private CommonAllocator common(Map<String, String> parameters) {
        var p = new java.util.HashMap<String, String>(parameters);
        p.putIfAbsent("commit-cache", "0");
        return (CommonAllocator) new CommonProvider().create(p, vm);
    }

    @AfterEach
    void closeVm() {
        vm.close();
    }

    @Test
    void theClassTableIsEightByteStepsBelow64AndSixteenByteStepsTo256() {
        var sizes = new ArrayList<Long>();
        for (int i = 0; i < CommonAllocator.SMALL_CLASSES; i++) {
            sizes.add(CommonAllocator.classSize(i));
        }
        assertThat(sizes).containsExactly(8L, 16L, 24L, 32L, 40L, 48L, 56L,
                64L, 80L, 96L, 112L, 128L, 144L, 160L, 176L, 192L, 208L, 224L, 240L, 256L);
        for (long n = 1; n <= 256; n++) {
            int c = CommonAllocator.route(n, 8);
            assertThat(CommonAllocator.classSize(c)).as("class of %d", n).isGreaterThanOrEqualTo(n);
            if (c > 0) {
                assertThat(CommonAllocator.classSize(c - 1)).as("class below that of %d", n).isLessThan(n);
            }
            assertThat(CommonAllocator.route(n, 16)).isEqualTo(c);
        }
        assertThat(CommonAllocator.route(257, 8)).isEqualTo(CommonAllocator.LARGE);
        assertThat(CommonAllocator.route(8, 32)).isEqualTo(CommonAllocator.LARGE);
        assertThat(CommonAllocator.route(1L << 40, 8)).isEqualTo(CommonAllocator.LARGE);
    }

    @Test
    void blocksLandInTheirClassesSpaceOnPagesOfTheirOwn() {
        CommonAllocator a = common(Map.of());
        long[] sizes = {1, 8, 9, 24, 56, 57, 64, 65, 200, 256, 257, 4000, 2 * Sizes.MiB};
        long[] blocks = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            blocks[i] = a.allocate(sizes[i]);
            assertThat(blocks[i]).isNotZero();
            assertThat(a.spaceOf(blocks[i])).as("space of a %d-byte block", sizes[i])
                    .isEqualTo(CommonAllocator.route(sizes[i], 8));
        }
        long x = a.allocate(20);
        long y = a.allocate(17);
        assertThat(x / vm.pageSize()).isEqualTo(y / vm.pageSize());           // one page for class 24
        assertThat(blocks[3] / vm.pageSize()).isEqualTo(x / vm.pageSize());
        assertThat(blocks[1] / vm.pageSize()).isNotEqualTo(x / vm.pageSize()); // class 8 has its own page
        long aligned = a.allocate(64, 4096);
        assertThat(aligned % 4096).isZero();
        assertThat(a.spaceOf(aligned)).isEqualTo(CommonAllocator.LARGE);
        AllocatorStats s = a.stats();
        assertThat(s.get("small_24_live_blocks")).isEqualTo(3);
        assertThat(s.get("large_live_blocks")).isEqualTo(4);
        assertThat(s.get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(sizes.length + 3);
        a.verify();
        a.close();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void freeFindsTheSpaceAndEmptiedSegmentsGoBack() {
        CommonAllocator a = common(Map.of());
        var live = new ArrayList<Long>();
        for (long n = 1; n <= 600; n += 7) {
            live.add(a.allocate(n));
        }
        assertThat(a.stats().get("small_spaces_in_use")).isEqualTo(CommonAllocator.SMALL_CLASSES);
        assertThat(a.stats().get("map_regions")).isEqualTo(CommonAllocator.SMALL_CLASSES + 1);
        a.verify();
        for (long b : live) {
            int space = a.spaceOf(b);
            long before = a.stats().get(name(space) + "_live_blocks");
            a.free(b);
            if (before > 1) {
                assertThat(a.stats().get(name(space) + "_live_blocks")).isEqualTo(before - 1);
            }
        }
        a.verify();
        AllocatorStats s = a.stats();
        assertThat(s.get(AllocatorStats.LIVE_BLOCKS)).isZero();
        assertThat(s.get("map_regions")).isZero();
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    private static String name(int space) {
        return space == CommonAllocator.LARGE ? "large" : "small_" + CommonAllocator.classSize(space);
    }

    @Test
    void badFreesAreRefusedByTheRightSpaceAndChangeNothing() {
        CommonAllocator a = common(Map.of());
        long small = a.allocate(24);
        long keep = a.allocate(24);
        long large = a.allocate(1000);
        long keepLarge = a.allocate(1000);
        a.free(small);
        a.free(large);
        var before = a.stats().asMap();

        assertThatThrownBy(() -> a.free(small)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("common").hasMessageContaining("small_24");
        assertThatThrownBy(() -> a.free(large)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("large");
        assertThatThrownBy(() -> a.free(keep + 8)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("small_24");
        assertThatThrownBy(() -> a.free(keepLarge + 16)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("large");
        assertThatThrownBy(() -> a.free(0x1234_5678_0000L)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("none of the spaces");
        assertThatThrownBy(() -> a.reallocate(small, 100)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("small_24");
        assertThatThrownBy(() -> a.usableSize(0x10)).isInstanceOf(InvalidFreeException.class);

        assertThat(a.stats().asMap()).isEqualTo(before);
        a.verify();
        a.free(keep);
        a.free(keepLarge);
        a.verify();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void reallocationStaysInItsClassOrMovesAcross() {
        CommonAllocator a = common(Map.of());
        long b = a.allocate(20);
        vm.memory().putLong(b, 0x1122334455667788L);
        vm.memory().putInt(b + 16, 0x0A0B0C0D);
        assertThat(a.reallocate(b, 24)).isEqualTo(b);                        // same class: in place
        long c = a.reallocate(b, 100);                                      // class 112: moves
        assertThat(a.spaceOf(c)).isEqualTo(CommonAllocator.route(100, 8));
        assertThat(vm.memory().getLong(c)).isEqualTo(0x1122334455667788L);
        assertThat(vm.memory().getInt(c + 16)).isEqualTo(0x0A0B0C0D);
        long d = a.reallocate(c, 5000);                                     // to the large space
        assertThat(a.spaceOf(d)).isEqualTo(CommonAllocator.LARGE);
        assertThat(vm.memory().getLong(d)).isEqualTo(0x1122334455667788L);
        long e = a.reallocate(d, 6000);                                     // large to large: the space's own realloc
        assertThat(a.spaceOf(e)).isEqualTo(CommonAllocator.LARGE);
        long f = a.reallocate(e, 8);                                        // back to class 8
        assertThat(a.spaceOf(f)).isEqualTo(0);
        assertThat(vm.memory().getLong(f)).isEqualTo(0x1122334455667788L);
        assertThat(a.stats().get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(1);
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(8);
        a.verify();
    }

    @Test
    void theWalkMergesTheSpacesInAddressOrder() {
        CommonAllocator a = common(Map.of());
        var blocks = new ArrayList<Long>();
        for (long n : new long[] {300, 8, 100, 40, 9000, 256, 16}) {
            blocks.add(a.allocate(n));
        }
        var allocated = new ArrayList<Long>();
        long[] previous = {0};
        a.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                assertThat(address).isGreaterThan(previous[0]);
                previous[0] = address + bytes;
                allocated.add(address);
            }

            @Override
            public void free(long address, long bytes) {
                assertThat(address).isGreaterThan(previous[0]);
                previous[0] = address + bytes;
            }
        });
        assertThat(allocated).containsExactlyInAnyOrderElementsOf(blocks).isSorted();
        a.reset();
        assertThat(a.stats().get(AllocatorStats.LIVE_BLOCKS)).isZero();
        assertThat(a.stats().get("map_regions")).isZero();
        a.verify();
    }

    @Test
    void onlyTryNextModeIsThreadSafe() {
        assertThat(common(Map.of()).supports(Capability.THREAD_SAFE)).isFalse();
        assertThat(common(Map.of("threads-mode", "try-next")).supports(Capability.THREAD_SAFE)).isTrue();
        assertThatThrownBy(() -> common(Map.of("threads-mode", "spin"))).hasMessageContaining("threads-mode");
        assertThatThrownBy(() -> common(Map.of("page-size", "3000"))).hasMessageContaining("page-size");
    }

    @Test
    void aThreadFindingItsSpaceLockedTriesTheNextClassThenWaits() throws Exception {
        CommonAllocator a = common(Map.of("threads-mode", "try-next", "try-next-limit", "2"));
        ExecutorService threads = Executors.newCachedThreadPool();   // not the common pool: it may have one worker
        int c24 = CommonAllocator.route(24, 8);
        var held = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var holder = CompletableFuture.runAsync(() -> {
            a.lockOf(c24).lock();
            try {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                a.lockOf(c24).unlock();
            }
        }, threads);
        held.await();
        long b = a.allocate(24);                                 // class 24 busy: class 32 serves it
        assertThat(a.spaceOf(b)).isEqualTo(c24 + 1);
        release.countDown();
        holder.get();
        assertThat(a.stats().get("spaces_tried_next")).isEqualTo(1);   // stats() takes every lock: after the release

        // every space a 24-byte request may try is held: it waits for its own
        var heldAll = new CountDownLatch(1);
        var releaseAll = new CountDownLatch(1);
        var holder2 = CompletableFuture.runAsync(() -> {
            for (int i = c24; i <= c24 + 2; i++) {
                a.lockOf(i).lock();
            }
            try {
                heldAll.countDown();
                releaseAll.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                for (int i = c24 + 2; i >= c24; i--) {
                    a.lockOf(i).unlock();
                }
            }
        }, threads);
        heldAll.await();
        var waiter = CompletableFuture.supplyAsync(() -> a.allocate(24), threads);
        while (!a.lockOf(c24).hasQueuedThreads()) {               // the waiter is queued on class 24's lock
            Thread.onSpinWait();
        }
        assertThat(waiter).isNotDone();
        releaseAll.countDown();
        long w = waiter.get();
        holder2.get();
        assertThat(a.spaceOf(w)).isEqualTo(c24);
        assertThat(a.stats().get("lock_waits")).isEqualTo(1);
        threads.shutdown();
        a.free(b);
        a.free(w);
        a.verify();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void theLargeSpaceUsesTheCoarserPage() {
        CommonAllocator a = common(Map.of());
        long b = a.allocate(1000);
        assertThat(vm.stats().committedBytes() % (64 * Sizes.KiB)).isZero();
        assertThat(vm.stats().committedBytes()).isPositive();
        a.free(b);
        assertThat(vm.stats().committedBytes()).isZero();
        List.of(a).forEach(CommonAllocator::close);
    }
}
