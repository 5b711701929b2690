package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;
import org.junit.jupiter.api.Test;

class OsVirtualMemoryTest extends VirtualMemoryContract {

    private static final long OS_PAGE = OsVirtualMemory.osPageSize();

    @Override
    protected VirtualMemory create() {
        return new OsVirtualMemory(0, true);
    }

    @Test
    void thePageIsTheOsPageByDefault() {
        assertThat(OS_PAGE).isEqualTo(Native.osPageSize()).isPositive();
        assertThat(Sizes.isPowerOfTwo(OS_PAGE)).isTrue();
        assertThat(vm.pageSize()).isEqualTo(OS_PAGE);
        assertThat(vm.kind()).isEqualTo("os");
        assertThat(((OsVirtualMemory) vm).checked()).isTrue();
        assertThat(((OsVirtualMemory) vm).lastError()).isNull();
    }

    @Test
    void mincoreSeesTouchedPagesResidentAndDecommittedPagesGone() {
        // Eight pages: far below a transparent huge page, so the kernel backs exactly what is touched.
        Region region = vm.reserve(8 * page);
        long a = region.address();
        vm.commit(a, 8 * page);
        assertThat(vm.residentBytes(a, 8 * page)).as("committed, never touched").isZero();

        vm.memory().putByte(a, (byte) 1);
        vm.memory().putByte(a + 3 * page + 100, (byte) 1);
        vm.memory().putLong(a + 6 * page - 4, 1L);              // touches pages 5 and 6
        assertThat(vm.residentBytes(a, 8 * page)).isEqualTo(4 * OS_PAGE);
        assertThat(vm.residentBytes(a + 3 * page, page)).isEqualTo(OS_PAGE);

        vm.decommit(a, 4 * page);
        assertThat(vm.residentBytes(a, 8 * page)).isEqualTo(2 * OS_PAGE);
        vm.decommit(a, 8 * page);
        assertThat(vm.residentBytes(a, 8 * page)).isZero();
        vm.release(region);
        assertThat(vm.isCommitted(a, 1)).isFalse();
        assertThat(vm.residentBytes(a, 8 * page)).as("the kernel: nothing mapped there any more").isZero();
        assertThatThrownBy(() -> vm.residentBytes(a + 1, page)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCoarserGranularityAlignsRegionsAndCommitsInItsOwnPages() {
        long granularity = 64 * Sizes.KiB;
        try (var coarse = new OsVirtualMemory(granularity, true)) {
            assertThat(coarse.pageSize()).isEqualTo(granularity);
            for (int i = 0; i < 4; i++) {
                Region region = coarse.reserve(granularity + 1);
                assertThat(region.address() % granularity).isZero();
                assertThat(region.bytes()).isEqualTo(2 * granularity);
            }
            Region region = coarse.reserve(granularity);
            long a = region.address();
            assertThatThrownBy(() -> coarse.commit(a, OS_PAGE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
            assertThat(coarse.commit(a, granularity)).isTrue();
            coarse.memory().putLong(a + granularity - 8, 42L);
            assertThat(coarse.memory().getLong(a + granularity - 8)).isEqualTo(42L);
            assertThat(coarse.residentBytes(a, granularity)).isEqualTo(OS_PAGE);
            assertThat(coarse.stats().reservedBytes()).isEqualTo(9 * granularity);
        }
    }

    @Test
    void aGranularityMustBeAPowerOfTwoOfAtLeastTheOsPage() {
        for (long bad : new long[] {-4096, 1, OS_PAGE / 2, 3 * OS_PAGE, 3000}) {
            assertThatThrownBy(() -> new OsVirtualMemory(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toString(bad));
        }
        try (var exact = new OsVirtualMemory(OS_PAGE)) {
            assertThat(exact.pageSize()).isEqualTo(OS_PAGE);
        }
    }

    @Test
    void aReserveTheKernelRefusesGivesNullAndTheErrno() {
        // 1 PiB is beyond a 47-bit (or 56-bit, without a hint) user address space; with 1 MiB pages the
        // bookkeeping could track it, so the refusal is the kernel's.
        try (var coarse = new OsVirtualMemory(Sizes.MiB, true)) {
            Region kept = coarse.reserve(Sizes.MiB);
            VirtualMemoryStats before = coarse.stats();

            assertThat(coarse.reserve(1L << 50)).isNull();

            assertThat(coarse.lastError()).startsWith("mmap of").contains("failed: ENOMEM (");
            VirtualMemoryStats after = coarse.stats();
            assertThat(after.failedReserves()).isEqualTo(before.failedReserves() + 1);
            assertThat(after.reserveCalls()).isEqualTo(before.reserveCalls());
            assertThat(after.reservedBytes()).isEqualTo(kept.bytes());
            assertThat(coarse.commit(kept.address(), Sizes.MiB)).as("still usable").isTrue();
        }
    }

    @Test
    void aReserveTooLargeToTrackIsMisuse() {
        assertThatThrownBy(() -> vm.reserve(1L << 50))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coarser");
        assertThatThrownBy(() -> vm.reserve(Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absurd");
        assertThat(vm.stats().failedReserves()).isZero();
    }

    @Test
    void checkedMemoryThrowsInsteadOfFaulting() {
        Region region = vm.reserve(page);
        long a = region.address();

        // Unchecked, this read of a PROT_NONE page would kill the JVM with SIGSEGV.
        assertThatThrownBy(() -> vm.memory().getLong(a + 24))
                .isInstanceOfSatisfying(UncommittedAccessException.class, e -> assertThat(e.address()).isEqualTo(a + 24))
                .hasMessageContaining("read of 8 bytes at " + Sizes.hex(a + 24));
    }

    @Test
    void rawMemoryReachesCommittedPagesDirectly() {
        Region region = vm.reserve(page);
        long a = region.address();
        vm.commit(a, page);
        var raw = org.alloclab.api.SegmentMemory.everything();

        raw.putLong(a + 3, 0x1122334455667788L);
        raw.putInt(a + 20, -7);
        raw.fill(a + 40, 8, (byte) 9);
        raw.copy(a + 40, a + 44, 8);

        assertThat(vm.memory().getLong(a + 3)).isEqualTo(0x1122334455667788L);
        assertThat(raw.getInt(a + 20)).isEqualTo(-7);
        assertThat(raw.getByte(a + 51)).isEqualTo((byte) 9);
        assertThat(raw.getByte(a + 52)).isZero();
    }

    @Test
    void theChecksFlagFollowsTheSystemProperty() {
        assertThat(OsVirtualMemory.CHECKS).isEqualTo(Boolean.getBoolean(OsVirtualMemory.CHECKS_PROPERTY));
        try (var plain = new OsVirtualMemory()) {
            assertThat(plain.checked()).isEqualTo(OsVirtualMemory.CHECKS);
            assertThat(plain.memory() instanceof CheckedMemory).isEqualTo(OsVirtualMemory.CHECKS);
        }
    }
}
