package org.alloclab.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The locking layer under real contention: threads hammer a deliberately thread-unsafe allocator
 * ({@link UnsafeSlabAllocator}) through it and a {@link ContentionChecker} finds every block intact and no
 * two overlapping — and the same hammering without the layer breaks the checker, which shows the checker
 * can fail. Bounded in steps and time; nothing is asserted about time.
 */
class LockingAllocatorTest {

    private static final ContentionChecker CHECKER = new ContentionChecker(4, 200_000, 24, 256, Duration.ofSeconds(20));

    @Test
    void manyThreadsThroughTheLockKeepEveryBlockTheirOwn() throws InterruptedException {
        try (var unsafe = new UnsafeSlabAllocator(4096)) {
            var locked = new LockingAllocator(unsafe);
            var report = CHECKER.hammer(locked, 1);
            assertThat(report.problems()).as("problems seen through the lock").isEmpty();
            assertThat(report.steps()).isPositive();
            var stats = locked.stats();
            assertThat(stats.get(LockingAllocator.ACQUISITIONS)).isGreaterThanOrEqualTo(report.steps() / 2);
            assertThat(stats.get(LockingAllocator.CONTENDED)).isBetween(0L, stats.get(LockingAllocator.ACQUISITIONS));
            assertThat(stats.get(AllocatorStats.LIVE_BYTES)).as("every block was freed").isZero();
        }
    }

    @Test
    void theSameHammeringWithoutTheLockBreaksTheChecker() throws InterruptedException {
        ContentionChecker.Report report = null;
        for (int attempt = 0; attempt < 5 && (report == null || report.clean()); attempt++) {
            try (var unsafe = new UnsafeSlabAllocator(4096)) {
                report = CHECKER.hammer(unsafe, 100 + attempt);
            }
        }
        assertThat(report.problems()).as("an unsafe allocator hammered without the lock is caught").isNotEmpty();
    }

    @Test
    void declaresTheInnerCapabilitiesPlusThreadSafeAndKeepsTheInnerName() {
        try (var unsafe = new UnsafeSlabAllocator(16)) {
            var locked = new LockingAllocator(unsafe);
            assertThat(locked.strategy()).isEqualTo("test.unsafe-slab");
            assertThat(locked.capabilities()).containsExactlyInAnyOrder(Capability.FREE, Capability.THREAD_SAFE);
            assertThat(locked.inner()).isSameAs(unsafe);
            assertThat(locked.memory()).isSameAs(unsafe.memory());
            assertThat(LockingAllocator.threadSafe(unsafe)).isInstanceOf(LockingAllocator.class);
            assertThat(LockingAllocator.threadSafe(locked)).as("already thread-safe: not wrapped twice").isSameAs(locked);
            assertThat(locked.toString()).startsWith("locking(");
        }
    }

    @Test
    void passesCallsAndTheirErrorsThroughAndReleasesTheLockAfterAnError() throws InterruptedException {
        var unsafe = new UnsafeSlabAllocator(16);
        var locked = new LockingAllocator(unsafe);
        long a = locked.allocate(100, 8);
        assertThat(a).isNotZero();
        assertThat(locked.owns(a)).isTrue();
        assertThat(locked.allocate(1000, 8)).as("too large for the slab").isZero();
        assertThatThrownBy(locked::reset).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("test.unsafe-slab");
        assertThatThrownBy(() -> locked.free(a + 1)).isInstanceOf(InvalidFreeException.class);
        // the lock was released by each failing call: another thread can still take it
        var other = Thread.ofPlatform().start(() -> locked.free(a));
        assertThat(other.join(Duration.ofSeconds(10))).isTrue();
        locked.verify();
        locked.close();
        assertThat(unsafe.isClosed()).isTrue();
        assertThatThrownBy(() -> locked.allocate(8, 8)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        locked.close();
    }
}
