package org.alloclab.buddy;

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

/** The buddy system's own rules: powers of two, buddies at offset XOR size, merging, pages given back. */
class BuddyAllocatorTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    /** A buddy allocator without the idle floor, whose decommits these tests follow page by page. */
    private Allocator buddy() {
        return Registry.strategies().get("buddy").create(Map.of("min-order", "4", "max-order", "20", "idle-floor", "0"), vm);
    }

    @Test
    void theIdleFloorKeepsABlockFreedAndAllocatedAgainFreeOfSystemCallsAndBoundsWhatAnEmptyHeapHolds() {
        Allocator b = Registry.strategies().get("buddy").create(Map.of("min-order", "4", "max-order", "20"), vm);
        long first = b.allocate(64 * Sizes.KiB);
        b.free(first);                                             // nothing in use: kept, within 256 KiB
        long calls = vm.stats().commitCalls() + vm.stats().decommitCalls();
        for (int i = 0; i < 100; i++) {
            b.free(b.allocate(64 * Sizes.KiB));
        }
        assertThat(vm.stats().commitCalls() + vm.stats().decommitCalls()).as("system calls in 100 pairs").isEqualTo(calls);
        assertThat(vm.stats().committedBytes()).isLessThanOrEqualTo(256 * Sizes.KiB);
        long[] big = new long[8];
        for (int i = 0; i < big.length; i++) {
            big[i] = b.allocate(64 * Sizes.KiB);                   // 512 KiB in use
        }
        for (long x : big) {
            b.free(x);
        }
        assertThat(vm.stats().committedBytes()).as("an empty heap holds at most the floor").isLessThanOrEqualTo(256 * Sizes.KiB);
        b.verify();
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void blocksArePowersOfTwoAlignedToTheirSizeAndBuddiesSitAtOffsetXorSize() {
        Allocator b = buddy();
        long a = b.allocate(100);                    // 128-byte block
        long c = b.allocate(100);                    // its buddy: the other half of the split 256
        assertThat(b.usableSize(a)).isEqualTo(128);
        assertThat(a % 128).isZero();
        assertThat(a ^ c).isEqualTo(128);
        long d = b.allocate(3000, 4096);
        assertThat(d % 4096).isZero();
        assertThat(b.stats().get(AllocatorStats.OVERHEAD_BYTES)).isEqualTo(28 + 28 + 4096 - 3000);
        b.verify();
    }

    @Test
    void freeingMergesBackToOneZoneAndEveryZoneButTheLastGoesBackToTheSystem() {
        Allocator b = buddy();
        long[] blocks = new long[100];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = b.allocate(1 + i * 37);
        }
        assertThat(vm.stats().reservedBytes()).isPositive();
        for (int i = blocks.length - 1; i >= 0; i -= 2) {
            b.free(blocks[i]);
        }
        b.verify();
        for (int i = blocks.length - 2; i >= 0; i -= 2) {
            b.free(blocks[i]);
        }
        b.verify();
        assertThat(b.stats().get("zones")).isEqualTo(1);          // the last zone stays, every page decommitted
        assertThat(vm.stats().committedBytes()).isZero();
        long x = b.allocate(600 * 1024);                          // a zone each
        long y = b.allocate(600 * 1024);
        assertThat(b.stats().get("zones")).isEqualTo(2);
        b.free(x);
        b.free(y);
        assertThat(b.stats().get("zones")).isEqualTo(1);          // a second wholly free zone goes back
        assertThat(vm.stats().committedBytes()).isZero();
        b.verify();
        b.close();
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void aFreeBlockOfAPageOrMoreIsDecommitted() {
        Allocator b = buddy();
        long keep = b.allocate(16);
        long big = b.allocate(64 * Sizes.KiB);
        vm.memory().fill(big, 64 * Sizes.KiB, (byte) 3);
        long before = vm.stats().committedBytes();
        b.free(big);
        assertThat(vm.stats().committedBytes()).isEqualTo(before - 64 * Sizes.KiB);
        assertThat(vm.isCommitted(keep, 16)).isTrue();
        b.verify();
    }

    @Test
    void idlePagesOfFreeBlocksStayCommittedWithinTheirShareAndAreReusedWithoutACall() {
        Allocator b = buddy();                                     // idle-share 16 by default
        long[] held = new long[32];
        for (int i = 0; i < held.length; i++) {
            held[i] = b.allocate(8 * Sizes.KiB);                   // 256 KiB in use
        }
        long big = b.allocate(8 * Sizes.KiB);
        long before = vm.stats().committedBytes();
        long calls = vm.stats().commitCalls();
        b.free(big);                                               // 8 KiB idle: within 256 KiB / 16
        assertThat(vm.stats().committedBytes()).isEqualTo(before);
        assertThat(b.stats().get("idle_committed_bytes")).isEqualTo(8 * Sizes.KiB);
        b.verify();
        long again = b.allocate(8 * Sizes.KiB);
        assertThat(again).isEqualTo(big);
        assertThat(vm.stats().commitCalls()).isEqualTo(calls);    // its pages were still committed
        assertThat(b.stats().get("idle_committed_bytes")).isZero();
        b.free(again);
        for (int i = 0; i < 30; i++) {                             // in use falls to 16 KiB: idle is decommitted
            b.free(held[i]);
        }
        b.verify();
        assertThat(b.stats().get("idle_committed_bytes")).isLessThanOrEqualTo(Sizes.KiB);
        assertThat(vm.stats().committedBytes()).isEqualTo(16 * Sizes.KiB);
        b.free(held[30]);
        b.free(held[31]);
        assertThat(vm.stats().committedBytes()).isZero();          // nothing in use: nothing idle either
        b.verify();
    }

    @Test
    void idleShareZeroDecommitsEachFreeBlockAsItForms() {
        Allocator b = Registry.strategies().get("buddy")
                .create(Map.of("min-order", "4", "max-order", "20", "idle-share", "0"), vm);
        long keep = b.allocate(64 * Sizes.KiB);
        long big = b.allocate(8 * Sizes.KiB);
        long before = vm.stats().committedBytes();
        b.free(big);
        assertThat(vm.stats().committedBytes()).isEqualTo(before - 8 * Sizes.KiB);
        assertThat(vm.isCommitted(keep, 64 * Sizes.KiB)).isTrue();
        b.verify();
        assertThatThrownBy(() -> Registry.strategies().get("buddy").create(Map.of("idle-share", "-1"), vm))
                .hasMessageContaining("idle-share");
    }

    @Test
    void badFreesAreNamedAndChangeNothing() {
        Allocator b = buddy();
        long a = b.allocate(64);
        long c = b.allocate(64);
        b.free(a);
        var before = b.stats().asMap();
        assertThatThrownBy(() -> b.free(a)).isInstanceOf(InvalidFreeException.class).hasMessageContaining("already free");
        assertThatThrownBy(() -> b.free(c + 16)).isInstanceOf(InvalidFreeException.class).hasMessageContaining("inside a block");
        assertThatThrownBy(() -> b.free(0x7777_0000_0000L)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("none of the buddy zones");
        assertThat(b.stats().asMap()).isEqualTo(before);
        b.verify();
        assertThatThrownBy(() -> Registry.strategies().get("buddy").create(Map.of("min-order", "2"), vm))
                .hasMessageContaining("min-order");
    }

    @Test
    void aRequestAboveAZoneGetsARegionOfItsOwn() {
        Allocator b = buddy();
        long huge = b.allocate(3 * Sizes.MiB);
        assertThat(b.stats().get("large_blocks")).isEqualTo(1);
        assertThat(b.usableSize(huge)).isEqualTo(3 * Sizes.MiB);
        b.free(huge);
        assertThat(vm.stats().reservedBytes()).isZero();
        b.verify();
    }
}
