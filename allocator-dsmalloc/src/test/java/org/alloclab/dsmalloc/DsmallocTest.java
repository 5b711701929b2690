package org.alloclab.dsmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** dsmalloc's own rules, on simulated virtual memory (4 KiB pages) whose counters tell what it did. */
class DsmallocTest {

    private static final long KiB = Sizes.KiB;

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * KiB, Sizes.GiB, 64 * Sizes.GiB);

    private Dsmalloc grow(long segment, long threshold) {
        return new Dsmalloc(vm, 0, segment, threshold, 0);
    }

    @AfterEach
    void closeVm() {
        vm.close();
    }

    @Test
    void smallBinsGiveBackTheExactChunk() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(24);
        long fence = a.allocate(24);
        long y = a.allocate(100);
        a.allocate(24);
        a.free(x);
        a.free(y);
        assertThat(a.allocate(20)).isEqualTo(x);            // 20 and 24 bytes both need a 32-byte chunk
        assertThat(a.allocate(100)).isEqualTo(y);
        assertThat(a.usableSize(x)).isEqualTo(24);
        assertThat(fence).isEqualTo(x + 32);
        a.verify();
    }

    @Test
    void smallRequestsWithAnEmptyExactListSplitTheDesignatedVictim() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(56);                             // a 64-byte chunk
        long fence = a.allocate(24);
        a.free(x);                                           // a 64-byte hole below the victim (the segment's tail)
        long y = a.allocate(24);                             // 32-byte list empty: the victim, not the hole above
        assertThat(y).isEqualTo(fence + 32);
        long z = a.allocate(40);                             // 48-byte list empty: the victim again, right after y
        assertThat(z).isEqualTo(y + 32);
        a.verify();
        long w = a.allocate(56);                             // the exact 64-byte list still wins
        assertThat(w).isEqualTo(x);
        a.free(z);                                           // z coalesces with the victim: it leaves its bin
        a.free(y);
        long v = a.allocate(24);                             // the joined chunk is the victim no longer, but fits
        assertThat(v).isEqualTo(y);
        a.verify();
        a.free(v);
        a.free(w);
        a.free(fence);
        assertThat(a.stats().get("segments")).isZero();
        assertThat(vm.stats().committedBytes()).isZero();
    }

    @Test
    void freeChunksSplitAndCoalesce() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long b1 = a.allocate(1000);
        long b2 = a.allocate(1000);
        long b3 = a.allocate(1000);
        long keep = a.allocate(8);
        a.free(b1);
        a.free(b3);
        assertThat(spans(a, false)).hasSize(3);              // b1, b3 and the segment's tail
        a.free(b2);                                          // joins b1 and b3 into one chunk
        List<long[]> free = spans(a, false);
        assertThat(free).hasSize(2);
        assertThat(free.get(0)[0]).isEqualTo(b1);
        assertThat(free.get(0)[1]).isEqualTo(3 * 1008 - 8);
        long small = a.allocate(300);                        // split off the front of the joined chunk (a size above
        assertThat(small).isEqualTo(b1);                     // the small lists: no designated victim takes it)
        assertThat(spans(a, false).get(0)[0]).isEqualTo(b1 + 320);
        a.verify();
        a.free(small);
        a.free(keep);
        assertThat(a.stats().get("segments")).isZero();
    }

    @Test
    void aSegmentIsReleasedTheMomentItsLastBlockIsFreed() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(100);
        long y = a.allocate(5000);
        assertThat(vm.stats().reservedBytes()).isEqualTo(64 * KiB);
        long releases = vm.stats().releaseCalls();
        a.free(x);
        assertThat(vm.stats().releaseCalls()).isEqualTo(releases);
        a.free(y);
        assertThat(vm.stats().releaseCalls()).isEqualTo(releases + 1);
        assertThat(vm.stats().reservedBytes()).isZero();
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(a.stats().get(AllocatorStats.RESERVED_BYTES)).isZero();
        assertThat(a.stats().get(AllocatorStats.COMMITTED_BYTES)).isZero();
        a.verify();
    }

    @Test
    void aRequestAboveTheThresholdGetsItsOwnSegment() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long small = a.allocate(64);
        long big = a.allocate(100 * KiB, 4 * KiB);
        assertThat(big % (4 * KiB)).isZero();
        assertThat(a.stats().get("segments")).isEqualTo(2);
        assertThat(vm.stats().reservedBytes()).isEqualTo(64 * KiB + 108 * KiB);
        a.free(big);
        assertThat(a.stats().get("segments")).isEqualTo(1);
        assertThat(vm.stats().reservedBytes()).isEqualTo(64 * KiB);
        a.free(small);
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void pagesUnderAFreeChunkAreDecommittedAndCommittedAgainOnReuse() {
        Dsmalloc a = grow(256 * KiB, 64 * KiB);
        a.allocate(100);
        long big = a.allocate(40 * KiB);
        a.allocate(100);
        long committed = vm.stats().committedBytes();
        long decommits = vm.stats().decommitCalls();
        a.memory().fill(big, 40 * KiB, (byte) 7);
        a.free(big);
        assertThat(vm.stats().decommitCalls()).isEqualTo(decommits + 1);
        assertThat(committed - vm.stats().committedBytes()).isGreaterThanOrEqualTo(36 * KiB);
        assertThat(vm.isCommitted(big + 4 * KiB, 32 * KiB)).isFalse();
        a.verify();
        long again = a.allocate(40 * KiB);
        assertThat(again).isEqualTo(big);
        assertThat(vm.stats().committedBytes()).isEqualTo(committed);
        assertThat(vm.isCommitted(again, 40 * KiB)).isTrue();
        a.memory().fill(again, 40 * KiB, (byte) 9);
        a.verify();
    }

    @Test
    void smallFreesMakeNoCallsButTheLastBlockOfAPageDoes() {
        Dsmalloc a = grow(256 * KiB, 64 * KiB);
        long[] blocks = new long[600];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = a.allocate(24);                     // 32-byte chunks, 128 a page
        }
        long calls = vm.stats().calls();
        for (int i = 0; i < blocks.length; i += 2) {
            a.free(blocks[i]);                              // no two free chunks touch: nothing to decommit
        }
        assertThat(vm.stats().calls()).isEqualTo(calls);
        for (int i = 1; i < blocks.length - 1; i += 2) {
            a.free(blocks[i]);
        }
        assertThat(vm.stats().decommitCalls()).isPositive();
        assertThat(vm.stats().committedBytes()).isLessThanOrEqualTo(3 * 4 * KiB);
        a.verify();
    }

    @Test
    void afterFreeAllNothingIsCommittedOrReserved() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        var random = new SplittableRandom(42);
        List<Long> live = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || random.nextInt(100) < 55) {
                long size = random.nextInt(10) == 0 ? 1 + random.nextInt(40_000) : 1 + random.nextInt(300);
                long align = random.nextInt(20) == 0 ? 1L << random.nextInt(3, 13) : 8;
                long p = a.allocate(size, align);
                assertThat(p).isNotZero();
                assertThat(p % align).isZero();
                live.add(p);
            } else if (random.nextInt(5) == 0) {
                int i = random.nextInt(live.size());
                long p = a.reallocate(live.get(i), 1 + random.nextInt(20_000));
                assertThat(p).isNotZero();
                live.set(i, p);
            } else {
                a.free(live.remove(random.nextInt(live.size())));
            }
            if (step % 1000 == 0) {
                a.verify();
            }
        }
        a.verify();
        for (long p : live) {
            a.free(p);
        }
        a.verify();
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(vm.stats().reservedBytes()).isZero();
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        assertThat(a.stats().get(AllocatorStats.PEAK_RESERVED_BYTES)).isPositive();
    }

    @Test
    void aBaseSegmentIsNeverGrownPastAndIsEmptiedWhenAllIsFree() {
        Dsmalloc a = new Dsmalloc(vm, 0, 64 * KiB, 16 * KiB, 256 * KiB);
        assertThat(vm.stats().reserveCalls()).isEqualTo(1);
        assertThat(vm.stats().committedBytes()).isZero();
        List<Long> live = new ArrayList<>();
        long p;
        while ((p = a.allocate(3000)) != 0) {
            live.add(p);
        }
        assertThat(live.size()).isEqualTo(256 * KiB / 3008);
        assertThat(a.allocate(100 * KiB)).isZero();           // above the threshold: still no new segment
        assertThat(vm.stats().reserveCalls()).isEqualTo(1);
        assertThat(a.stats().get(AllocatorStats.FAILED_ALLOCATIONS)).isEqualTo(2);
        for (long q : live) {
            a.free(q);
        }
        a.verify();
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(vm.stats().reservedBytes()).isEqualTo(256 * KiB);
        assertThat(a.allocate(200 * KiB)).isNotZero();         // the emptied base serves again
        assertThat(vm.stats().reserveCalls()).isEqualTo(1);
        a.verify();
        assertThat(a.destroy()).isEqualTo(256 * KiB);
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void badFreesAreRejectedAndChangeNothing() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(64);
        long y = a.allocate(64);
        var before = a.stats().asMap();
        assertThatThrownBy(() -> a.free(x + 8)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining(Sizes.hex(x + 8));
        assertThatThrownBy(() -> a.free(x + 3)).isInstanceOf(InvalidFreeException.class);
        assertThatThrownBy(() -> a.free(x + 16)).isInstanceOf(InvalidFreeException.class);
        assertThatThrownBy(() -> a.free(0x7000_0000_0000L)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("none of its segments");
        a.free(x);
        assertThatThrownBy(() -> a.free(x)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("not a live block");
        assertThatThrownBy(() -> a.reallocate(x, 10)).isInstanceOf(InvalidFreeException.class);
        assertThatThrownBy(() -> a.usableSize(x)).isInstanceOf(IllegalArgumentException.class);
        a.verify();
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(before.get(AllocatorStats.LIVE_BYTES) - 64);
        a.free(y);                                           // merged into x's chunk, then the segment goes
        assertThatThrownBy(() -> a.free(y)).isInstanceOf(InvalidFreeException.class);
        a.verify();
    }

    @Test
    void reallocationGrowsAndShrinksInPlace() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(100);
        long y = a.allocate(100);
        a.allocate(8);
        a.memory().fill(x, 100, (byte) 3);
        a.free(y);
        assertThat(a.reallocate(x, 200)).isEqualTo(x);       // into the free chunk that follows
        assertThat(a.usableSize(x)).isGreaterThanOrEqualTo(200);
        assertThat(a.memory().getByte(x + 99)).isEqualTo((byte) 3);
        assertThat(a.reallocate(x, 40)).isEqualTo(x);        // shrinks, the tail goes back to a bin
        assertThat(a.usableSize(x)).isEqualTo(40);
        assertThat(a.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(48);
        long moved = a.reallocate(x, 4000);                  // the next chunk is in use: it moves
        assertThat(moved).isNotEqualTo(x);
        assertThat(a.memory().getByte(moved + 39)).isEqualTo((byte) 3);
        a.verify();
    }

    @Test
    void aRefusedCommitFailsTheRequestAndChangesNothing() {
        var tight = new SimulatedVirtualMemory(4 * KiB, 64 * KiB, 64 * Sizes.GiB);
        Dsmalloc a = new Dsmalloc(tight, 0, 256 * KiB, 64 * KiB, 0);
        long x = a.allocate(30 * KiB);
        assertThat(x).isNotZero();
        assertThat(a.allocate(40 * KiB)).isZero();           // the budget is 64 KiB
        a.verify();
        assertThat(a.allocate(20 * KiB)).isNotZero();
        a.verify();
        a.close();
        assertThat(tight.stats().reservedBytes()).isZero();
        tight.close();
    }

    @Test
    void theWalkReportsBlocksAndFreeChunksInAddressOrder() {
        Dsmalloc a = grow(64 * KiB, 16 * KiB);
        long x = a.allocate(10);
        long y = a.allocate(300);
        a.allocate(10);
        a.free(y);
        List<long[]> all = new ArrayList<>();
        a.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                all.add(new long[] {1, address, bytes});
            }

            @Override
            public void free(long address, long bytes) {
                all.add(new long[] {0, address, bytes});
            }
        });
        assertThat(all).hasSize(4);
        assertThat(all.get(0)).containsExactly(1, x, 24);
        assertThat(all.get(1)).containsExactly(0, y, 312);
        assertThat(a.stats().get("free_bytes")).isEqualTo(64 * KiB - 2 * Dsmalloc.PAD - 64);
    }

    private static List<long[]> spans(Dsmalloc a, boolean allocated) {
        List<long[]> out = new ArrayList<>();
        a.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                if (allocated) {
                    out.add(new long[] {address, bytes});
                }
            }

            @Override
            public void free(long address, long bytes) {
                if (!allocated) {
                    out.add(new long[] {address, bytes});
                }
            }
        });
        return out;
    }
}
