package org.alloclab.dsmalloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.CommitCache;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * dsmalloc and the common allocator as deployed: a 4 MiB commit cache under them and a spare segment by
 * default, which {@code flush} gives back, so that after every block is freed and the allocator flushed
 * nothing stays committed in the virtual memory the harness measures.
 */
class DeployedCacheTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    @AfterEach
    void closeVm() {
        vm.close();
    }

    private Allocator create(String name, Map<String, String> parameters) {
        var p = Registry.strategies().get(name);
        return p.create(p.resolve(parameters), vm);
    }

    /** Random sizes small and large, freed in random order; returns the peak committed bytes seen. */
    private static void churn(Allocator a, long seed) {
        var random = new SplittableRandom(seed);
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (live.isEmpty() || random.nextInt(3) != 0) {
                long n = random.nextInt(4) == 0 ? 1 + random.nextInt(20_000) : 1 + random.nextInt(300);
                live.add(a.allocate(n));
            } else {
                a.free(live.remove(random.nextInt(live.size())));
            }
        }
        while (!live.isEmpty()) {
            a.free(live.remove(random.nextInt(live.size())));
        }
    }

    @Test
    void theCacheIsOnByDefaultAndItsPagesCountInTheVirtualMemory() {
        Allocator a = create("dsmalloc", Map.of());
        long x = a.allocate(100);
        long y = a.allocate(64 * Sizes.KiB);
        a.free(y);
        // the block's pages went to the cache: not committed for dsmalloc, still committed in the VM below
        assertThat(vm.isCommitted(y, 16 * Sizes.KiB)).isTrue();
        assertThat(vm.stats().committedBytes()).isGreaterThan(a.stats().find(org.alloclab.api.AllocatorStats.COMMITTED_BYTES).orElseThrow());
        a.free(x);
        a.verify();
        a.close();
    }

    @Test
    void freeAllThenFlushLeavesNothingCommitted() {
        for (String name : List.of("dsmalloc", "common")) {
            Allocator a = create(name, Map.of());
            churn(a, 7);
            a.verify();
            assertThat(vm.stats().committedBytes()).as(name + " keeps pages for speed").isPositive();
            long given = name.equals("dsmalloc") ? ((Dsmalloc) a).flush() : ((CommonAllocator) a).flush();
            assertThat(given).isPositive();
            assertThat(vm.stats().committedBytes()).as(name + " after free-all and flush").isZero();
            a.verify();
            a.close();
        }
    }

    @Test
    void commitCacheZeroIsStrict() {
        for (String name : List.of("dsmalloc", "common")) {
            Allocator a = create(name, Map.of("commit-cache", "0"));
            churn(a, 11);
            assertThat(vm.stats().committedBytes()).as(name + " with commit-cache = 0").isZero();
            assertThat(vm.stats().reservedBytes()).as(name + " releases every emptied segment").isZero();
            a.close();
        }
    }

    @Test
    void anEmptiedSegmentIsKeptSoAnAllocateFreePairMakesNoCall() {
        Dsmalloc a = (Dsmalloc) create("dsmalloc", Map.of());
        a.free(a.allocate(16));
        assertThat(a.spares()).isEqualTo(1);
        long calls = vm.stats().calls();
        for (int i = 0; i < 1000; i++) {
            a.free(a.allocate(16 + i % 300));
        }
        assertThat(vm.stats().calls()).isEqualTo(calls);
        a.verify();
        a.close();
    }

    @Test
    void aVirtualMemoryWithItsOwnCacheIsNotWrappedAgain() {
        var cache = new CommitCache(vm, 64 * Sizes.KiB);
        assertThat(Dsmalloc.cached(cache, 4 * Sizes.MiB, null)).isSameAs(cache);
        assertThat(Dsmalloc.cached(vm, 0, null)).isSameAs(vm);
        assertThat(Dsmalloc.cached(vm, 4 * Sizes.MiB, null)).isInstanceOf(CommitCache.class);
        assertThatThrownBy(() -> create("dsmalloc", Map.of("commit-cache", "100"))).hasMessageContaining("commit-cache");
    }
}
