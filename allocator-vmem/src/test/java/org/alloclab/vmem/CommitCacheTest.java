package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.Test;

/** The commit cache saves the calls it says it saves, and the strategy above it cannot tell it is there. */
class CommitCacheTest {

    private static final long PAGE = 4 * Sizes.KiB;

    private final SimulatedVirtualMemory below = new SimulatedVirtualMemory(PAGE, 64 * PAGE, Sizes.GiB);

    @Test
    void aDecommittedPageIsCommittedAgainWithoutACallAndReadsAsZero() {
        var cache = new CommitCache(below, 16 * PAGE);
        Region r = cache.reserve(8 * PAGE);
        assertThat(cache.commit(r.address(), 4 * PAGE)).isTrue();
        cache.memory().fill(r.address(), 4 * PAGE, (byte) 7);
        long commits = below.stats().commitCalls();
        long decommits = below.stats().decommitCalls();

        cache.decommit(r.address() + PAGE, 2 * PAGE);
        assertThat(cache.isCommitted(r.address() + PAGE, PAGE)).isFalse();          // gone for the strategy
        assertThat(cache.isCommitted(r.address(), PAGE)).isTrue();
        assertThat(below.isCommitted(r.address() + PAGE, 2 * PAGE)).isTrue();       // still there below
        assertThat(below.stats().committedBytes()).isEqualTo(4 * PAGE);             // and counted: it costs memory
        assertThat(cache.cachedBytes()).isEqualTo(2 * PAGE);

        assertThat(cache.commit(r.address() + PAGE, 2 * PAGE)).isTrue();
        assertThat(below.stats().commitCalls()).isEqualTo(commits);
        assertThat(below.stats().decommitCalls()).isEqualTo(decommits);
        assertThat(cache.memory().getByte(r.address() + PAGE)).isZero();
        assertThat(cache.memory().getByte(r.address() + 3 * PAGE - 1)).isZero();
        assertThat(cache.memory().getByte(r.address())).isEqualTo((byte) 7);        // a page never decommitted keeps its bytes
        Map<String, Long> c = cache.counters();
        assertThat(c).containsEntry("commit_cache_hits", 2L).containsEntry("commit_cache_misses", 4L)
                .containsEntry("commit_cache_decommits_absorbed", 2L).containsEntry("commit_cache_cached_bytes", 0L)
                .containsEntry("commit_cache_syscalls_saved", 2L);     // the decommit and the commit again: no call below
    }

    @Test
    void aPageMappingToAnOccupiedSlotEvictsItsHolder() {
        var cache = new CommitCache(below, PAGE);                                    // one slot
        Region r = cache.reserve(4 * PAGE);
        cache.commit(r.address(), 4 * PAGE);
        long decommits = below.stats().decommitCalls();
        cache.decommit(r.address(), PAGE);
        cache.decommit(r.address() + PAGE, PAGE);
        assertThat(below.stats().decommitCalls()).isEqualTo(decommits + 1);
        assertThat(below.isCommitted(r.address(), PAGE)).isFalse();                 // evicted: really decommitted
        assertThat(below.isCommitted(r.address() + PAGE, PAGE)).isTrue();           // cached
        assertThat(cache.counters()).containsEntry("commit_cache_evictions", 1L);
    }

    @Test
    void flushGivesEveryCachedPageBack() {
        var cache = new CommitCache(below, 16 * PAGE);
        Region r = cache.reserve(8 * PAGE);
        cache.commit(r.address(), 8 * PAGE);
        cache.decommit(r.address(), 8 * PAGE);
        assertThat(below.stats().committedBytes()).isEqualTo(8 * PAGE);
        long given = cache.flush();
        assertThat(given).isEqualTo(8 * PAGE);
        assertThat(below.stats().committedBytes()).isZero();
        assertThat(cache.cachedBytes()).isZero();
        assertThat(cache.commit(r.address(), PAGE)).isTrue();                       // a miss again: committed below
        assertThat(cache.counters()).containsEntry("commit_cache_flushed_pages", 8L);
    }

    @Test
    void releasingARegionDropsItsCachedPages() {
        var cache = new CommitCache(below, 16 * PAGE);
        Region r = cache.reserve(4 * PAGE);
        cache.commit(r.address(), 4 * PAGE);
        cache.decommit(r.address(), 4 * PAGE);
        cache.release(r);
        assertThat(cache.cachedBytes()).isZero();
        assertThat(below.stats().reservedBytes()).isZero();
        assertThat(below.stats().committedBytes()).isZero();
        Region again = cache.reserve(4 * PAGE);                                      // the same addresses, maybe
        assertThat(cache.isCommitted(again.address(), PAGE)).isFalse();
        assertThat(cache.commit(again.address(), PAGE)).isTrue();
    }

    @Test
    void aRefusedCommitChangesNothing() {
        var small = new SimulatedVirtualMemory(PAGE, 4 * PAGE, Sizes.GiB);          // four pages of memory
        var cache = new CommitCache(small, 16 * PAGE);
        Region r = cache.reserve(8 * PAGE);
        assertThat(cache.commit(r.address(), 4 * PAGE)).isTrue();
        cache.decommit(r.address(), 2 * PAGE);                                       // two cached, still committed below
        assertThat(cache.commit(r.address(), 3 * PAGE)).isTrue();                   // two hits, one page already there
        cache.decommit(r.address(), PAGE);
        long cached = cache.cachedBytes();
        var before = small.stats();
        // pages 4 and 5 need memory below, and the budget is spent: refused
        assertThat(cache.commit(r.address(), 6 * PAGE)).isFalse();
        assertThat(cache.cachedBytes()).isEqualTo(cached);
        assertThat(cache.isCommitted(r.address(), PAGE)).isFalse();
        assertThat(small.stats().committedBytes()).isEqualTo(before.committedBytes());
    }

    @Test
    void badRangesAndSizesAreNamed() {
        assertThatThrownBy(() -> new CommitCache(below, 100)).hasMessageContaining("commit-cache")
                .hasMessageContaining("less than one page");
        var cache = new CommitCache(below, 16 * PAGE);
        Region r = cache.reserve(2 * PAGE);
        assertThatThrownBy(() -> cache.commit(r.address() + 1, PAGE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole pages");
        assertThat(CommitCache.over(below, 0)).isSameAs(below);
    }

    @Test
    void bothProvidersTakeTheParameter() {
        VirtualMemory sim = new SimulatedVirtualMemoryProvider().create(Map.of("commit-cache", "1MiB"));
        assertThat(sim).isInstanceOf(CommitCache.class);
        assertThat(((CommitCache) sim).capacity()).isEqualTo(Sizes.MiB);
        sim.close();
        VirtualMemory os = new OsVirtualMemoryProvider().create(Map.of("commit-cache", "64KiB"));
        assertThat(os).isInstanceOf(CommitCache.class);
        os.close();
        assertThatThrownBy(() -> new OsVirtualMemoryProvider().create(Map.of("commit-cache", "1000")))
                .hasMessageContaining("commit-cache");
    }
}
