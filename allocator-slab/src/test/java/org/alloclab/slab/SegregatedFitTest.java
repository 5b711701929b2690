package org.alloclab.slab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Segregated fit's own rules: the class table, caches and transfer stacks, spans given back, bad frees. */
class SegregatedFitTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    private SegregatedFitAllocator segfit(Map<String, String> params) {
        return (SegregatedFitAllocator) Registry.strategies().get("segregated-fit").create(params, vm);
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void theClassTableFollowsItsFormulaAndWastesLessThanAQuarter() {
        int[] sizes = segfit(Map.of()).classSizes();
        assertThat(sizes).startsWith(8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640);
        assertThat(sizes[sizes.length - 1]).isEqualTo(32 * 1024);
        SizeClasses classes = new SizeClasses(32 * 1024, 4096);
        for (int size = 1; size <= 32 * 1024; size++) {
            int c = classes.classOf(size);
            assertThat(classes.sizes[c]).isGreaterThanOrEqualTo(size);
            if (c > 0) {
                assertThat(classes.sizes[c - 1]).isLessThan(size);          // the smallest class that holds it
            }
            if (size > 64) {
                assertThat((double) classes.sizes[c] / size).isLessThan(1.25);
            } else {
                assertThat(classes.sizes[c] - size).isLessThan(16);
            }
        }
        for (int c = 0; c < classes.count(); c++) {
            long span = classes.spanPages[c] * 4096L;
            assertThat(span % classes.sizes[c]).isLessThanOrEqualTo(span / 8);
            assertThat(span / classes.sizes[c]).isGreaterThanOrEqualTo(Math.min(8, 65536 / classes.sizes[c]));
        }
    }

    @Test
    void freedBlocksComeBackFromTheThreadCacheLastInFirstOut() {
        Allocator a = segfit(Map.of());
        long x = a.allocate(40);
        long y = a.allocate(48);                       // same class: 48
        a.free(x);
        assertThat(a.allocate(33)).isEqualTo(x);
        assertThat(a.usableSize(y)).isEqualTo(48);
    }

    @Test
    void largeRequestsGetPageRunsThatAreDecommittedOnFree() {
        Allocator a = segfit(Map.of());
        long before = vm.stats().committedBytes();
        long big = a.allocate(100_000, 64 * 1024);
        assertThat(big % (64 * 1024)).isZero();
        assertThat(a.usableSize(big)).isEqualTo(Sizes.alignUp(100_000, 4096));
        assertThat(vm.stats().committedBytes() - before).isEqualTo(Sizes.alignUp(100_000, 4096));
        a.free(big);
        assertThat(vm.stats().committedBytes()).isEqualTo(before);
        assertThat(a.allocate(1L << 44)).isZero();             // 16 TiB: no page map that large, a failure
        a.verify();
    }

    @Test
    void surplusGoesThroughTheTransferStackAndEmptySpansAreDecommitted() {
        SegregatedFitAllocator a = segfit(Map.of("batch-bytes", "1KiB", "cache-bytes", "2KiB", "transfer-bytes", "4KiB"));
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            blocks.add(a.allocate(64));
        }
        long committedFull = a.stats().get(AllocatorStats.COMMITTED_BYTES);
        assertThat(committedFull).isGreaterThanOrEqualTo(2000 * 64L);
        for (long b : blocks) {
            a.free(b);
        }
        AllocatorStats s = a.stats();
        // a thread keeps at most two batches of 16, the transfer stack 4 KiB: the rest went back to the spans
        assertThat(s.get("cached_bytes")).isLessThanOrEqualTo(2 * 16 * 64 + 4096);
        assertThat(s.get("transfer_batches")).isEqualTo(4);
        assertThat(s.get(AllocatorStats.COMMITTED_BYTES)).isLessThanOrEqualTo(s.get("cached_bytes") + 2 * 4096);
        a.verify();
        a.trim();
        assertThat(a.stats().get(AllocatorStats.COMMITTED_BYTES)).isZero();
        assertThat(vm.stats().committedBytes()).isZero();
        a.verify();
    }

    @Test
    void aBlockFreedByAnotherThreadGoesIntoThatThreadsCacheWithoutTouchingTheOwners() throws Exception {
        SegregatedFitAllocator a = segfit(Map.of());
        long x = a.allocate(100);
        long[] reused = new long[1];
        Thread other = Thread.ofPlatform().start(() -> {
            a.free(x);                                 // a remote free: into this thread's cache
            reused[0] = a.allocate(100);               // and its next allocation of the class takes it back
            a.free(reused[0]);
        });
        other.join();
        assertThat(reused[0]).isEqualTo(x);
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        assertThat(a.stats().get("pool_lock_waits")).isZero();
        long y = a.allocate(100);                      // the owner's cache never saw x: a fresh slot
        assertThat(y).isNotEqualTo(x);
        a.verify();                                    // the ended thread's cache went back to the spans
        assertThat(a.stats().get("threads")).isEqualTo(1);
    }

    @Test
    void badFreesNameTheBlockAndChangeNothing() {
        Allocator a = segfit(Map.of());
        long x = a.allocate(64);
        long y = a.allocate(64);
        assertThatThrownBy(() -> a.free(x + 8)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("8 bytes into the 64-byte block at " + Sizes.hex(x));
        a.free(y);
        assertThatThrownBy(() -> a.free(y)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("not live");
        assertThatThrownBy(() -> a.free(0x10)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("not in this allocator's memory");
        long big = a.allocate(50_000);
        assertThatThrownBy(() -> a.free(big + 4096)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("4096 bytes into the large block at " + Sizes.hex(big));
        a.free(big);
        assertThatThrownBy(() -> a.free(big)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("free pages");
        a.verify();
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(64);
    }

    @Test
    void withoutThreadCachesBlocksGoStraightBackAndEmptySpansAtOnce() {
        SegregatedFitAllocator a = segfit(Map.of("thread-cache", "false"));
        long x = a.allocate(200);
        assertThat(a.stats().get(AllocatorStats.COMMITTED_BYTES)).isPositive();
        a.free(x);
        assertThat(a.stats().get("cached_bytes")).isZero();
        assertThat(a.stats().get(AllocatorStats.COMMITTED_BYTES)).isZero();
        a.verify();
    }

    @Test
    void badParametersAreRefusedByName() {
        assertThatThrownBy(() -> segfit(Map.of("max-small", "8"))).hasMessageContaining("max-small");
        assertThatThrownBy(() -> segfit(Map.of("batch-bytes", "2GiB"))).hasMessageContaining("batch-bytes");
        assertThatThrownBy(() -> segfit(Map.of("area", "1"))).hasMessageContaining("area");
    }
}
