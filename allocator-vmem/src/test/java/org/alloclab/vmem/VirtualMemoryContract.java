package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.UncommittedAccessException;
import org.alloclab.api.VirtualMemory;
import org.alloclab.api.VirtualMemoryStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link VirtualMemory} of this module must do, whatever backs it. An implementation's test
 * extends this class and says how to make one; the virtual memory it makes must check accesses.
 */
abstract class VirtualMemoryContract {

    protected VirtualMemory vm;
    protected long page;

    /** A fresh virtual memory whose {@link VirtualMemory#memory()} checks every access. */
    protected abstract VirtualMemory create();

    @BeforeEach
    void open() {
        vm = create();
        page = vm.pageSize();
    }

    @AfterEach
    void closeIt() {
        vm.close();
    }

    @Test
    void reserveRoundsUpToPagesAlignsAndCommitsNothing() {
        Region region = vm.reserve(page + 1);

        assertThat(region).isNotNull();
        assertThat(region.bytes()).isEqualTo(2 * page);
        assertThat(region.address() % page).isZero();
        assertThat(vm.isCommitted(region.address(), 1)).isFalse();
        assertThat(vm.stats().reservedBytes()).isEqualTo(2 * page);
        assertThat(vm.stats().committedBytes()).isZero();
    }

    @Test
    void committedPagesCanBeWrittenAndReadBackAndRecommittedPagesReadZero() {
        Region region = vm.reserve(4 * page);
        long a = region.address();

        assertThat(vm.commit(a, 2 * page)).isTrue();
        assertThat(vm.isCommitted(a, 2 * page)).isTrue();
        assertThat(vm.isCommitted(a, 2 * page + 1)).isFalse();
        Memory m = vm.memory();
        m.putByte(a, (byte) 0x5a);
        m.putInt(a + 1, 0xcafebabe);                // unaligned
        m.putLong(a + 2 * page - 8, 0x0123456789abcdefL);
        m.putLong(a + page - 3, -2L);               // across the page boundary
        assertThat(m.getByte(a)).isEqualTo((byte) 0x5a);
        assertThat(m.getInt(a + 1)).isEqualTo(0xcafebabe);
        assertThat(m.getLong(a + 2 * page - 8)).isEqualTo(0x0123456789abcdefL);
        assertThat(m.getLong(a + page - 3)).isEqualTo(-2L);

        vm.decommit(a, 2 * page);
        assertThat(vm.isCommitted(a, 1)).isFalse();
        assertThat(vm.commit(a, 2 * page)).isTrue();
        assertThat(m.getByte(a)).isZero();
        assertThat(m.getInt(a + 1)).isZero();
        assertThat(m.getLong(a + 2 * page - 8)).isZero();
        assertThat(m.getLong(a + page - 3)).isZero();

        vm.release(region);
        assertThat(vm.isCommitted(a, 1)).isFalse();
        assertThat(vm.stats().reservedBytes()).isZero();
        assertThat(vm.stats().committedBytes()).isZero();
    }

    @Test
    void decommitLosesOnlyItsOwnPages() {
        Region region = vm.reserve(3 * page);
        long a = region.address();
        vm.commit(a, 3 * page);
        vm.memory().fill(a, 3 * page, (byte) 7);

        vm.decommit(a + page, page);
        vm.commit(a + page, page);

        assertThat(vm.memory().getByte(a + page - 1)).isEqualTo((byte) 7);
        assertThat(vm.memory().getByte(a + page)).isZero();
        assertThat(vm.memory().getByte(a + 2 * page - 1)).isZero();
        assertThat(vm.memory().getByte(a + 2 * page)).isEqualTo((byte) 7);
    }

    @Test
    void fillAndOverlappingCopyBehaveLikeMemsetAndMemmove() {
        Region region = vm.reserve(page);
        long a = region.address();
        vm.commit(a, page);
        Memory m = vm.memory();
        for (int i = 0; i < 16; i++) {
            m.putByte(a + i, (byte) i);
        }

        m.copy(a, a + 4, 16);   // forwards, overlapping
        for (int i = 0; i < 16; i++) {
            assertThat(m.getByte(a + 4 + i)).as("byte %d", 4 + i).isEqualTo((byte) i);
        }
        m.copy(a + 4, a, 16);   // backwards, overlapping
        for (int i = 0; i < 16; i++) {
            assertThat(m.getByte(a + i)).as("byte %d", i).isEqualTo((byte) i);
        }
        m.fill(a + 100, 50, (byte) -1);
        assertThat(m.getByte(a + 99)).isZero();
        assertThat(m.getByte(a + 100)).isEqualTo((byte) -1);
        assertThat(m.getByte(a + 149)).isEqualTo((byte) -1);
        assertThat(m.getByte(a + 150)).isZero();
        assertThatThrownBy(() -> m.fill(a, -1, (byte) 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countersAndHighWaterMarksFollowEveryCall() {
        Region first = vm.reserve(4 * page);
        Region second = vm.reserve(2 * page);
        vm.commit(first.address(), 3 * page);
        vm.commit(second.address(), page);
        vm.decommit(first.address(), 2 * page);
        vm.release(second);

        VirtualMemoryStats s = vm.stats();
        assertThat(s.reservedBytes()).isEqualTo(4 * page);
        assertThat(s.peakReservedBytes()).isEqualTo(6 * page);
        assertThat(s.committedBytes()).isEqualTo(page);
        assertThat(s.peakCommittedBytes()).isEqualTo(4 * page);
        assertThat(s.reserveCalls()).isEqualTo(2);
        assertThat(s.releaseCalls()).isEqualTo(1);
        assertThat(s.commitCalls()).isEqualTo(2);
        assertThat(s.decommitCalls()).isEqualTo(1);
        assertThat(s.failedReserves()).isZero();
        assertThat(s.failedCommits()).isZero();
        assertThat(s.calls()).isEqualTo(6);
    }

    @Test
    void committingCommittedPagesCountsNothingNew() {
        Region region = vm.reserve(4 * page);
        long a = region.address();
        vm.commit(a, 2 * page);
        VirtualMemoryStats before = vm.stats();

        assertThat(vm.commit(a, 2 * page)).isTrue();
        assertThat(vm.commit(a + page, page)).isTrue();
        assertThat(vm.stats()).isEqualTo(before);

        assertThat(vm.commit(a + page, 2 * page)).isTrue();       // one page new
        assertThat(vm.stats().committedBytes()).isEqualTo(3 * page);
        assertThat(vm.stats().commitCalls()).isEqualTo(before.commitCalls() + 1);

        vm.decommit(a, 3 * page);
        VirtualMemoryStats after = vm.stats();
        vm.decommit(a, 4 * page);                                  // nothing committed there any more
        assertThat(vm.stats()).isEqualTo(after);
        assertThat(after.committedBytes()).isZero();
        assertThat(after.peakCommittedBytes()).isEqualTo(3 * page);
    }

    @Test
    void misuseThrowsNamingTheRangeAndChangesNothing() {
        Region first = vm.reserve(4 * page);
        Region second = vm.reserve(4 * page);
        long a = first.address();
        vm.commit(a, page);
        VirtualMemoryStats before = vm.stats();

        List<Runnable> misuses = List.of(
                () -> vm.commit(a + 1, page),                       // address not on a page
                () -> vm.commit(a, page + 1),                       // length not in pages
                () -> vm.commit(a, 0),                              // empty
                () -> vm.commit(a, -page),                          // negative
                () -> vm.commit(a + 3 * page, 2 * page),            // runs past the region
                () -> vm.commit(second.address() - page, 2 * page), // across two regions, or into one
                () -> vm.commit(a - 64 * page, page),               // before it
                () -> vm.decommit(a + 1, page),
                () -> vm.decommit(a + 2 * page, 4 * page),
                () -> vm.residentBytes(a + 1, page),
                () -> vm.release(new Region(a + page, 3 * page)),   // not a region
                () -> vm.release(new Region(a, 2 * page)),          // not its length
                () -> vm.reserve(0),
                () -> vm.reserve(-1));
        for (Runnable misuse : misuses) {
            assertThatThrownBy(misuse::run).isInstanceOf(IllegalArgumentException.class);
            assertThat(vm.stats()).isEqualTo(before);
            assertThat(vm.isCommitted(a, page)).isTrue();
            assertThat(vm.isCommitted(a + page, 1)).isFalse();
        }
        assertThatThrownBy(() -> vm.commit(a + 1, page))
                .hasMessageContaining(Sizes.hex(a + 1)).hasMessageContaining("aligned");
        assertThatThrownBy(() -> vm.commit(a + 3 * page, 2 * page))
                .hasMessageContaining(Sizes.hex(a + 3 * page)).hasMessageContaining("region");
        assertThatThrownBy(() -> vm.release(new Region(a + page, 3 * page)))
                .hasMessageContaining(Sizes.hex(a + page));
        assertThat(vm.stats().reservedBytes()).isEqualTo(first.bytes() + second.bytes());
    }

    @Test
    void releasedMemoryIsNoLongerResidentAndAStraddlingRangeIsRefused() {
        Region region = vm.reserve(4 * page);
        vm.commit(region.address(), 2 * page);
        vm.memory().fill(region.address(), 2 * page, (byte) 1);
        assertThat(vm.residentBytes(region.address(), region.bytes())).isEqualTo(2 * page);
        assertThatThrownBy(() -> vm.residentBytes(region.address() - page, 2 * page))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not inside one reserved region");
        vm.release(region);
        assertThat(vm.residentBytes(region.address(), region.bytes())).as("after release").isZero();
    }

    @Test
    void aRegionCannotBeReleasedTwice() {
        Region region = vm.reserve(page);
        vm.release(region);
        VirtualMemoryStats before = vm.stats();

        assertThatThrownBy(() -> vm.release(region))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Sizes.hex(region.address()));
        assertThatThrownBy(() -> vm.release(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(vm.stats()).isEqualTo(before);
    }

    @Test
    void closeReleasesEverythingAndIsIdempotent() {
        Region first = vm.reserve(4 * page);
        vm.reserve(2 * page);
        vm.commit(first.address(), 2 * page);

        vm.close();
        vm.close();

        VirtualMemoryStats s = vm.stats();
        assertThat(s.reservedBytes()).isZero();
        assertThat(s.committedBytes()).isZero();
        assertThat(s.releaseCalls()).isEqualTo(2);
        assertThat(vm.isCommitted(first.address(), 1)).isFalse();
        assertThatThrownBy(() -> vm.reserve(page)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> vm.commit(first.address(), page)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> vm.memory().getByte(first.address()))
                .isInstanceOf(UncommittedAccessException.class);
    }

    @Test
    void touchingReservedButUncommittedMemoryIsReportedWithTheAddress() {
        Region region = vm.reserve(2 * page);
        long a = region.address();
        vm.commit(a, page);
        Memory m = vm.memory();

        assertThatThrownBy(() -> m.getByte(a + page + 13))
                .isInstanceOfSatisfying(UncommittedAccessException.class,
                        e -> assertThat(e.address()).isEqualTo(a + page + 13))
                .hasMessageContaining(Sizes.hex(a + page + 13));
        // Straddling: starts committed, ends not; the message names the first uncommitted byte.
        assertThatThrownBy(() -> m.putLong(a + page - 3, 1L))
                .isInstanceOfSatisfying(UncommittedAccessException.class, e -> {
                    assertThat(e.address()).isEqualTo(a + page - 3);
                    assertThat(e.bytes()).isEqualTo(8);
                })
                .hasMessageContaining("write")
                .hasMessageContaining(Sizes.hex(a + page));
        assertThatThrownBy(() -> m.copy(a, a + page - 8, 16)).isInstanceOf(UncommittedAccessException.class);
        assertThatThrownBy(() -> m.fill(a + page - 1, 2, (byte) 1)).isInstanceOf(UncommittedAccessException.class);
        assertThat(m.getLong(a + page - 8)).as("the failed write wrote nothing").isZero();

        vm.decommit(a, page);
        assertThatThrownBy(() -> m.getInt(a)).isInstanceOf(UncommittedAccessException.class);
    }

    @Test
    void touchingMemoryOutsideEveryRegionIsReported() {
        Region region = vm.reserve(page);
        vm.commit(region.address(), page);
        vm.release(region);

        assertThatThrownBy(() -> vm.memory().getByte(region.address()))
                .isInstanceOfSatisfying(UncommittedAccessException.class,
                        e -> assertThat(e.address()).isEqualTo(region.address()));
        assertThatThrownBy(() -> vm.memory().getLong(0x10))
                .isInstanceOfSatisfying(UncommittedAccessException.class, e -> assertThat(e.address()).isEqualTo(0x10));
        assertThatThrownBy(() -> vm.memory().getLong(Long.MAX_VALUE - 3))
                .isInstanceOf(UncommittedAccessException.class);
    }

    @Test
    void threadsWorkingOnTheirOwnRegionsKeepTheCountersExact() throws Exception {
        int threads = 4;
        int rounds = 200;
        List<Callable<Void>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long value = t + 1;
            work.add(() -> {
                Region region = vm.reserve(2 * page);
                for (int i = 0; i < rounds; i++) {
                    assertThat(vm.commit(region.address(), 2 * page)).isTrue();
                    vm.memory().putLong(region.address() + page, value + i);
                    assertThat(vm.memory().getLong(region.address() + page)).isEqualTo(value + i);
                    vm.decommit(region.address(), 2 * page);
                }
                vm.release(region);
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (Future<Void> f : pool.invokeAll(work)) {
                f.get();
            }
        }
        VirtualMemoryStats s = vm.stats();
        assertThat(s.reserveCalls()).isEqualTo(threads);
        assertThat(s.releaseCalls()).isEqualTo(threads);
        assertThat(s.commitCalls()).isEqualTo((long) threads * rounds);
        assertThat(s.decommitCalls()).isEqualTo((long) threads * rounds);
        assertThat(s.reservedBytes()).isZero();
        assertThat(s.committedBytes()).isZero();
        assertThat(s.peakCommittedBytes()).isBetween(2 * page, threads * 2 * page);
    }
}
