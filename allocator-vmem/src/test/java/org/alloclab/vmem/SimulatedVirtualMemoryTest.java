package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;
import org.junit.jupiter.api.Test;

class SimulatedVirtualMemoryTest extends VirtualMemoryContract {

    private static final long BASE = SimulatedVirtualMemory.BASE_ADDRESS;

    @Override
    protected VirtualMemory create() {
        return new SimulatedVirtualMemory(4 * Sizes.KiB, 64 * Sizes.MiB, Sizes.GiB);
    }

    @Test
    void theDefaultsAreFourKibPagesAGibOfBudgetAndSixtyFourGibOfAddressSpace() {
        try (var defaults = new SimulatedVirtualMemory()) {
            assertThat(defaults.kind()).isEqualTo("simulated");
            assertThat(defaults.pageSize()).isEqualTo(4 * Sizes.KiB);
            assertThat(defaults.budget()).isEqualTo(Sizes.GiB);
            assertThat(defaults.addressSpace()).isEqualTo(64 * Sizes.GiB);
            assertThat(defaults.reserve(1).address()).isEqualTo(BASE);
        }
    }

    @Test
    void aCommitPastTheBudgetFailsAndCommitsNothing() {
        try (var small = new SimulatedVirtualMemory(4096, 4 * 4096, Sizes.MiB)) {
            Region region = small.reserve(8 * 4096);
            long a = region.address();
            assertThat(small.commit(a, 3 * 4096)).isTrue();
            VirtualMemoryStats before = small.stats();

            // Pages 2..4: one already committed, two new, and only one page of budget left.
            assertThat(small.commit(a + 2 * 4096, 3 * 4096)).isFalse();

            assertThat(small.isCommitted(a + 3 * 4096, 1)).isFalse();
            assertThat(small.isCommitted(a + 4 * 4096, 1)).isFalse();
            VirtualMemoryStats after = small.stats();
            assertThat(after.committedBytes()).isEqualTo(before.committedBytes()).isEqualTo(3 * 4096);
            assertThat(after.failedCommits()).isEqualTo(1);
            assertThat(after.commitCalls()).isEqualTo(before.commitCalls());
            assertThat(small.lastError()).contains("budget").contains(Sizes.hex(a + 2 * 4096));

            // Exactly up to the budget is fine; the already-committed page is not counted twice.
            assertThat(small.commit(a + 2 * 4096, 2 * 4096)).isTrue();
            assertThat(small.stats().committedBytes()).isEqualTo(small.budget());
            assertThat(small.commit(a + 5 * 4096, 4096)).isFalse();
            small.decommit(a, 4096);
            assertThat(small.commit(a + 5 * 4096, 4096)).isTrue();
        }
    }

    @Test
    void theNthReserveFailsWhenInjected() {
        try (var faulty = new SimulatedVirtualMemory(4096, Sizes.MiB, Sizes.MiB, 2, 0)) {
            Region first = faulty.reserve(4096);
            assertThat(first).isNotNull();
            assertThat(faulty.reserve(4096)).isNull();
            assertThat(faulty.lastError()).contains("injected").contains("reserve call 2");
            Region third = faulty.reserve(4096);
            assertThat(third).isNotNull();
            assertThat(third.address()).as("the failure took no address").isEqualTo(first.end());
            assertThat(faulty.reserve(4096)).as("once only").isNotNull();

            faulty.failReserveAt(2);
            assertThat(faulty.reserve(4096)).isNotNull();
            assertThat(faulty.reserve(4096)).isNull();
            assertThat(faulty.stats().failedReserves()).isEqualTo(2);
            assertThat(faulty.stats().reserveCalls()).isEqualTo(4);
        }
    }

    @Test
    void theNthCommitFailsWhenInjectedAndATestCanFailTheNextOne() {
        try (var faulty = new SimulatedVirtualMemory(4096, Sizes.MiB, Sizes.MiB, 0, 2)) {
            long a = faulty.reserve(8 * 4096).address();
            assertThat(faulty.commit(a, 4096)).isTrue();
            assertThat(faulty.commit(a, 4096)).as("nothing to commit: not a call").isTrue();
            assertThat(faulty.commit(a + 4096, 4096)).isFalse();
            assertThat(faulty.isCommitted(a + 4096, 1)).isFalse();
            assertThat(faulty.lastError()).contains("injected").contains("commit call 2");
            assertThat(faulty.commit(a + 4096, 4096)).isTrue();

            faulty.failCommitAt(1);
            assertThat(faulty.commit(a + 2 * 4096, 4096)).isFalse();
            assertThat(faulty.commit(a + 2 * 4096, 4096)).isTrue();

            faulty.failCommitAt(1);
            faulty.failCommitAt(0);
            assertThat(faulty.commit(a + 3 * 4096, 4096)).as("cancelled").isTrue();
            assertThat(faulty.stats().failedCommits()).isEqualTo(2);
            assertThat(faulty.stats().committedBytes()).isEqualTo(4 * 4096);
            assertThatThrownBy(() -> faulty.failCommitAt(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theSameCallsGiveTheSameAddresses() {
        assertThat(addressesOfAScript()).isEqualTo(addressesOfAScript());
        assertThat(addressesOfAScript().getFirst()).isEqualTo(BASE);
    }

    private static List<Long> addressesOfAScript() {
        var addresses = new ArrayList<Long>();
        try (var sim = new SimulatedVirtualMemory(4096, Sizes.MiB, 64 * Sizes.MiB)) {
            Region a = sim.reserve(10_000);
            Region b = sim.reserve(Sizes.MiB);
            Region c = sim.reserve(4096);
            sim.release(a);
            Region d = sim.reserve(8192);
            Region e = sim.reserve(3 * 4096);
            for (Region r : List.of(a, b, c, d, e)) {
                addresses.add(r.address());
            }
        }
        return addresses;
    }

    @Test
    void releasedRangesAreReusedAndMerged() {
        try (var sim = new SimulatedVirtualMemory(4096, Sizes.MiB, 16 * 4096)) {
            Region a = sim.reserve(4 * 4096);
            Region b = sim.reserve(4 * 4096);
            Region c = sim.reserve(8 * 4096);
            assertThat(sim.reserve(4096)).as("address space exhausted").isNull();
            assertThat(sim.lastError()).contains("address space");

            sim.release(b);
            sim.release(a);
            Region merged = sim.reserve(8 * 4096);
            assertThat(merged.address()).isEqualTo(BASE);
            sim.release(merged);
            sim.release(c);
            assertThat(sim.reserve(16 * 4096).address()).isEqualTo(BASE);
        }
    }

    @Test
    void aReusedRangeReadsZero() {
        try (var sim = new SimulatedVirtualMemory(4096, Sizes.MiB, 16 * 4096)) {
            Region a = sim.reserve(2 * 4096);
            sim.commit(a.address(), 2 * 4096);
            sim.memory().fill(a.address(), 2 * 4096, (byte) 0x33);
            sim.release(a);

            Region again = sim.reserve(2 * 4096);
            assertThat(again.address()).isEqualTo(a.address());
            sim.commit(again.address(), 2 * 4096);
            for (long at = again.address(); at < again.end(); at += 512) {
                assertThat(sim.memory().getLong(at)).isZero();
            }
        }
    }

    @Test
    void pagesSmallerThanTheOsPageAreZeroedOneByOne() {
        try (var sim = new SimulatedVirtualMemory(256, Sizes.MiB, Sizes.MiB)) {
            Region region = sim.reserve(64 * 256);
            long a = region.address();
            sim.commit(a, 64 * 256);
            sim.memory().fill(a, 64 * 256, (byte) 5);

            sim.decommit(a + 256, 256);
            sim.decommit(a + 10 * 256, 40 * 256);   // two whole OS pages inside, loose ends around
            assertThat(sim.isCommitted(a + 256, 1)).isFalse();
            assertThatThrownBy(() -> sim.memory().getByte(a + 256 + 7))
                    .isInstanceOfSatisfying(UncommittedAccessException.class,
                            e -> assertThat(e.address()).isEqualTo(a + 256 + 7));
            sim.commit(a, 64 * 256);

            for (long page = 0; page < 64; page++) {
                byte expected = page == 1 || (page >= 10 && page < 50) ? 0 : (byte) 5;
                assertThat(sim.memory().getByte(a + page * 256)).as("page %d, first byte", page).isEqualTo(expected);
                assertThat(sim.memory().getByte(a + page * 256 + 255)).as("page %d, last byte", page).isEqualTo(expected);
            }
        }
    }

    @Test
    void residentBytesAreTheCommittedBytes() {
        Region region = vm.reserve(8 * page);
        long a = region.address();
        vm.commit(a + page, 3 * page);

        assertThat(vm.residentBytes(a, 8 * page)).isEqualTo(3 * page);
        assertThat(vm.residentBytes(a + 2 * page, page)).isEqualTo(page);
        assertThat(vm.residentBytes(a + 4 * page, 4 * page)).isZero();
    }

    @Test
    void accessesOutsideTheAddressSpaceAreReportedNotCrashed() {
        var sim = (SimulatedVirtualMemory) vm;
        long end = BASE + sim.addressSpace();
        for (long address : new long[] {0, BASE - 1, end, end - 4, -8}) {
            assertThatThrownBy(() -> vm.memory().getLong(address))
                    .isInstanceOfSatisfying(UncommittedAccessException.class, e -> assertThat(e.address()).isEqualTo(address));
        }
        assertThatThrownBy(() -> vm.memory().putByte(BASE, (byte) 1))
                .isInstanceOf(UncommittedAccessException.class)
                .hasMessage("write of 1 byte at " + Sizes.hex(BASE) + " touches uncommitted memory at " + Sizes.hex(BASE));
    }

    @Test
    void theConstructorRejectsValuesOutOfRange() {
        assertThatThrownBy(() -> new SimulatedVirtualMemory(128, Sizes.MiB, Sizes.MiB))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page size 128");
        assertThatThrownBy(() -> new SimulatedVirtualMemory(3000, Sizes.MiB, Sizes.MiB))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page size 3000");
        assertThatThrownBy(() -> new SimulatedVirtualMemory(4096, -1, Sizes.MiB))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
        assertThatThrownBy(() -> new SimulatedVirtualMemory(4096, Sizes.MiB, Sizes.MiB + 256))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("address space");
        assertThatThrownBy(() -> new SimulatedVirtualMemory(4096, Sizes.MiB, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("address space");
        assertThatThrownBy(() -> new SimulatedVirtualMemory(4096, Sizes.MiB, Sizes.MiB, -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failReserveAt");
    }

    @Test
    void aBudgetOfZeroRefusesEveryCommit() {
        try (var none = new SimulatedVirtualMemory(4096, 0, Sizes.MiB)) {
            Region region = none.reserve(4096);
            assertThat(none.commit(region.address(), 4096)).isFalse();
            assertThat(none.stats().failedCommits()).isEqualTo(1);
        }
    }
}
