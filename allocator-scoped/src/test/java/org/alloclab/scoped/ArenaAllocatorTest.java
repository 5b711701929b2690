package org.alloclab.scoped;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The arena's own rules: growth by doubling chunks, own chunks for large requests, recycling across resets. */
class ArenaAllocatorTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    private Allocator arena(String retain) {
        return Registry.strategies().get("arena").create(Map.of("chunk-size", "64KiB", "max-chunk-size", "256KiB",
                "retain", retain), vm);
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void chunksDoubleUpToTheMaximumAndALargeRequestGetsItsOwn() {
        Allocator a = arena("64MiB");
        for (int i = 0; i < 200; i++) {                    // 200 KiB of 1 KiB blocks: 64 + 128 + 256 KiB chunks
            assertThat(a.allocate(1024)).isNotZero();
        }
        assertThat(a.stats().get("chunks_in_use")).isEqualTo(3);
        assertThat(vm.stats().committedBytes()).isEqualTo(448 * Sizes.KiB);
        long big = a.allocate(Sizes.MiB);
        assertThat(big % 4096).isZero();
        assertThat(a.stats().get("chunks_in_use")).isEqualTo(4);
        long after = a.allocate(1024);                      // the large chunk did not become the current one
        assertThat(after).isLessThan(big);
        a.verify();
    }

    @Test
    void aResetRecyclesChunksWithoutASystemCall() {
        Allocator a = arena("64MiB");
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 300; i++) {
                a.allocate(700);
            }
            a.reset();
        }
        AllocatorStats s = a.stats();
        assertThat(s.get("chunks_reserved")).isEqualTo(3);
        assertThat(s.get("chunks_reused")).isEqualTo(12);
        assertThat(vm.stats().reserveCalls()).isEqualTo(3);
        assertThat(s.get(AllocatorStats.LIVE_BYTES)).isZero();
        a.verify();
        a.close();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void aResetKeepsOnlyWhatRetainAllows() {
        Allocator a = arena("64KiB");
        for (int i = 0; i < 300; i++) {
            a.allocate(700);
        }
        a.reset();
        // largest first: the 256 and 128 KiB chunks do not fit in 64 KiB and go back; the 64 KiB one stays
        assertThat(a.stats().get("chunks_pooled")).isEqualTo(1);
        assertThat(a.stats().get("chunks_released")).isEqualTo(2);
        assertThat(vm.stats().committedBytes()).isEqualTo(64 * Sizes.KiB);
        a.verify();
    }

    @Test
    void theLastBlockGrowsInPlaceOthersMove() {
        Allocator a = arena("64MiB");
        long x = a.allocate(100);
        vm.memory().putLong(x, 42);
        long y = a.allocate(100);
        assertThat(a.reallocate(y, 400)).isEqualTo(y);
        long moved = a.reallocate(x, 200);
        assertThat(moved).isNotEqualTo(x);
        assertThat(vm.memory().getLong(moved)).isEqualTo(42);
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(100 + 400 + 200);
        assertThatThrownBy(() -> a.reallocate(0x1234_0000L, 8)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("none of the arena's chunks");
        assertThatThrownBy(() -> a.free(x)).isInstanceOf(UnsupportedOperationException.class);
        a.verify();
    }
}
