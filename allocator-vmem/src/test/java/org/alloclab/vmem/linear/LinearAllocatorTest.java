package org.alloclab.vmem.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Frame;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Behaviour of the bump allocator that the general contract does not pin down. */
class LinearAllocatorTest {

    private final VirtualMemory vm = Registry.virtualMemories().get("simulated")
            .create(Map.of("page-size", "4KiB", "budget", "1MiB"));

    @AfterEach
    void close() {
        vm.close();
    }

    private Allocator onDemand(String reserve, String step, String slack) {
        return Registry.strategies().get("linear.vm")
                .create(Map.of("reserve", reserve, "commit-step", step, "slack", slack), vm);
    }

    @Test
    void bumpsWithNoOverheadAndAlignsOnRequest() {
        try (Allocator a = onDemand("1MiB", "4KiB", "0")) {
            long first = a.allocate(3, 1);
            long second = a.allocate(5, 1);
            long third = a.allocate(8, 64);
            assertThat(second).isEqualTo(first + 3);
            assertThat(third % 64).isZero();
            assertThat(third - (second + 5)).isLessThan(64);
            assertThat(a.stats().get(AllocatorStats.OVERHEAD_BYTES)).isZero();
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(16);
        }
    }

    @Test
    void commitsInStepsAsTheTopAdvancesAndDecommitsPastTheSlackOnReset() {
        try (Allocator a = onDemand("1MiB", "16KiB", "8KiB")) {
            assertThat(vm.stats().committedBytes()).isZero();
            a.allocate(100);
            assertThat(vm.stats().committedBytes()).isEqualTo(16 << 10);
            a.allocate(20 << 10);
            assertThat(vm.stats().committedBytes()).isEqualTo(32 << 10);
            a.reset();
            assertThat(vm.stats().committedBytes()).isEqualTo(8 << 10);
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        }
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void takesASmallerStepWhenTheBudgetCannotFitAWholeOne() {
        try (VirtualMemory tight = Registry.virtualMemories().get("simulated")
                .create(Map.of("page-size", "4KiB", "budget", "12KiB"));
             Allocator a = Registry.strategies().get("linear.vm")
                     .create(Map.of("reserve", "1MiB", "commit-step", "64KiB"), tight)) {
            assertThat(a.allocate(10 << 10)).isNotZero();
            assertThat(tight.stats().committedBytes()).isEqualTo(12 << 10);
            assertThat(a.allocate(4 << 10)).as("past the budget").isZero();
            assertThat(a.stats().get(AllocatorStats.FAILED_ALLOCATIONS)).isEqualTo(1);
            a.verify();
        }
    }

    @Test
    void reallocatesTheLastBlockInPlaceAndMovesOthersKeepingTheirBytes() {
        try (Allocator a = onDemand("1MiB", "4KiB", "0")) {
            long first = a.allocate(16);
            a.memory().putLong(first, 0x1122334455667788L);
            long last = a.allocate(16);
            assertThat(a.reallocate(last, 4000)).isEqualTo(last);
            assertThat(a.reallocate(last, 8)).isEqualTo(last);
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(24);
            long moved = a.reallocate(first, 32);
            assertThat(moved).isNotEqualTo(first).isGreaterThan(last);
            assertThat(a.memory().getLong(moved)).isEqualTo(0x1122334455667788L);
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).as("the old copy is still held").isEqualTo(56);
        }
    }

    @Test
    void doesNotGrowInPlaceABlockFromBeforeTheInnermostFrame() {
        try (Allocator a = onDemand("1MiB", "4KiB", "0")) {
            long block = a.allocate(16);
            a.memory().putLong(block, 42);
            Frame f = a.pushFrame();
            long grown = a.reallocate(block, 64);
            assertThat(grown).as("growing in place would be cut by the pop").isNotEqualTo(block);
            a.popFrame(f);
            assertThat(a.memory().getLong(block)).isEqualTo(42);
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(16);
        }
    }

    @Test
    void framesPopInnermostFirstAndAStaleFrameIsAClearError() {
        try (Allocator a = onDemand("1MiB", "4KiB", "0")) {
            a.allocate(10);
            Frame outer = a.pushFrame();
            a.allocate(20);
            Frame inner = a.pushFrame();
            long x = a.allocate(30);
            assertThatThrownBy(() -> a.popFrame(outer)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("frame 0").hasMessageContaining("frame 1 ").hasMessageContaining("innermost first");
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).as("unchanged by the refused pop").isEqualTo(60);
            a.popFrame(inner);
            assertThat(a.allocate(30)).as("the popped space is reused").isEqualTo(x);
            a.popFrame(outer);
            assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(10);
            assertThatThrownBy(() -> a.popFrame(inner)).hasMessageContaining("already popped");
            Frame again = a.pushFrame();
            a.reset();
            assertThatThrownBy(() -> a.popFrame(again)).hasMessageContaining("closed by a reset");
            a.verify();
        }
    }

    @Test
    void refusesSingleFreesAndReallocationsOfAddressesItNeverGaveOut() {
        try (Allocator a = onDemand("1MiB", "4KiB", "0")) {
            long block = a.allocate(16);
            assertThatThrownBy(() -> a.free(block)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("linear.vm cannot free a single block");
            assertThatThrownBy(() -> a.reallocate(block + 4096, 8)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("past the last block");
            assertThatThrownBy(() -> a.reallocate(12345, 8)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("never handed out");
            a.verify();
        }
    }

    @Test
    void runsOverACallersBufferAndLeavesItToTheCaller() {
        try (Arena arena = Arena.ofConfined()) {
            var buffer = arena.allocate(256, 16);
            try (Allocator a = LinearAllocator.over(buffer)) {
                long block = a.allocate(200, 16);
                assertThat(block).isEqualTo(buffer.address());
                a.memory().putLong(block + 192, 7);
                assertThat(a.allocate(100)).as("past the end of the buffer").isZero();
                assertThatThrownBy(() -> a.memory().putLong(buffer.address() + 256, 1))
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
            assertThat(buffer.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 192)).isEqualTo(7);
        }
    }

    @Test
    void creationFailsClearlyWhenTheBufferCannotBeCommitted() {
        assertThatThrownBy(() -> Registry.strategies().get("linear").create(Map.of("capacity", "2MiB"), vm))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not commit");
        assertThat(vm.stats().reservedBytes()).as("the reservation is given back").isZero();
    }
}
