package org.alloclab.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Decorator;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each detector, made to see the bug it is for: the test does the bad thing and checks that the report
 * names the right block (its address and size, and where it was allocated), and that the heap is still
 * consistent afterwards.
 */
class DetectorTest {

    private VirtualMemory vm;
    private Allocator allocator;

    private VirtualMemory simulated() {
        vm = Registry.virtualMemories().get("simulated").create(Map.of("page-size", "4KiB", "budget", "256MiB"));
        return vm;
    }

    private Decorator layer(String layer, Map<String, ?> layerParameters, String strategy) {
        if (vm == null) {
            simulated();
        }
        Allocator bare = Registry.strategies().get(strategy).create(Map.of(), vm);
        Decorator d = Registry.layers().get(layer).wrap(bare, layerParameters, vm);
        allocator = d;
        return d;
    }

    @AfterEach
    void close() {
        if (allocator != null) {
            allocator.close();
        }
        if (vm != null) {
            vm.close();
        }
    }

    /** A block allocated here, so its site names this method. */
    private static long allocateHere(Allocator a, long size) {
        return a.allocate(size);
    }

    @Test
    void guardPageAfterABlockCatchesAnOverrunAndNamesTheBlock() {
        Decorator d = layer("guards", Map.of(), "dsmalloc");
        long other = d.allocate(40);
        long a = allocateHere(d, 96);
        d.memory().putLong(a + 88, 7);                       // the last word is the caller's
        assertThatThrownBy(() -> d.memory().putByte(a + 96, (byte) 1))
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(a);
                    assertThat(e.size()).isEqualTo(96);
                    assertThat(e.damaged()).isEqualTo(a + 96);
                    assertThat(e.site()).contains("allocateHere");
                    assertThat(e.getMessage()).contains("touches the guard page", "0 bytes past the end",
                            "96-byte block at " + Sizes.hex(a));
                });
        d.verify();
        d.free(a);
        d.free(other);
        d.verify();
        assertThat(vm.stats().committedBytes()).isLessThan(64 * Sizes.KiB);
    }

    @Test
    void guardPageBeforeABlockCatchesAnUnderrun() {
        Decorator d = layer("guards", Map.of("side", "before"), "segregated-fit");
        long a = allocateHere(d, 100);
        assertThat(a % vm.pageSize()).isZero();
        d.memory().putByte(a, (byte) 1);
        assertThatThrownBy(() -> d.memory().getLong(a - 8))
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(a);
                    assertThat(e.getMessage()).contains("read of 8 bytes", "8 bytes before the start", "100-byte block");
                });
        d.free(a);
        d.verify();
    }

    @Test
    void guardPagesWorkInGlibcsHeapThroughMprotect() {
        Decorator d = layer("guards", Map.of(), "glibc");
        long a = allocateHere(d, 64);
        d.memory().putLong(a + 56, 1);
        assertThatThrownBy(() -> d.memory().putInt(a + 64, 1))
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> assertThat(e.block()).isEqualTo(a));
        d.free(a);
        long b = d.allocate(64);                              // the page is accessible again for glibc
        d.free(b);
        d.verify();
    }

    @Test
    void redZonesCatchAnOverrunOfOneByteOnFree() {
        Decorator d = layer("red-zones", Map.of(), "dsmalloc");
        long keep = d.allocate(24);
        d.memory().putLong(keep, 42);
        long a = allocateHere(d, 50);
        d.memory().fill(a, 50, (byte) 0);                     // all of its own bytes: fine
        d.free(d.allocate(10));
        d.memory().putByte(a + 50, (byte) 0);                 // one past the end
        assertThatThrownBy(() -> d.free(a))
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(a);
                    assertThat(e.size()).isEqualTo(50);
                    assertThat(e.damaged()).isEqualTo(a + 50);
                    assertThat(e.site()).contains("DetectorTest.allocateHere");
                    assertThat(e.getMessage()).contains("red zone after the block damaged", "0 bytes past the end");
                });
        // nothing was freed: the block is still the caller's, the neighbour intact
        assertThat(d.usableSize(a)).isEqualTo(50);
        assertThat(d.memory().getLong(keep)).isEqualTo(42);
        d.memory().putByte(a + 50, (byte) 0xFA);              // repaired, it can go
        d.free(a);
        d.verify();
    }

    @Test
    void redZoneDamageIsFoundOnDemandWithTheBlockNamed() {
        Decorator d = layer("red-zones", Map.of("bytes", "32"), "buddy");
        long a = allocateHere(d, 64);
        long b = d.allocate(64);
        d.memory().putByte(b - 3, (byte) 0);
        assertThatThrownBy(((DebugLayer) d)::check)
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(b);
                    assertThat(e.damaged()).isEqualTo(b - 3);
                    assertThat(e.getMessage()).contains("red zone before the block damaged", "3 bytes before the start");
                });
        assertThatThrownBy(d::verify).isInstanceOf(HeapCorruptionException.class);
        d.free(a);
    }

    @Test
    void redZonesOfAnArenaAreCheckedWhenItIsReset() {
        Decorator d = layer("red-zones", Map.of(), "linear");
        long a = allocateHere(d, 16);
        d.memory().putLong(a + 16, 0);
        assertThatThrownBy(d::reset)
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> assertThat(e.block()).isEqualTo(a));
        assertThat(d.stats().get(AllocatorStats.LIVE_BYTES)).isZero();   // the reset happened all the same
        d.verify();
    }

    @Test
    void poisonFindsAWriteAfterFreeOnDemand() {
        Decorator d = layer("poison", Map.of(), "dsmalloc");
        long a = allocateHere(d, 200);
        long b = d.allocate(200);
        d.free(a);
        assertThat(d.memory().getLong(a + 8)).isEqualTo(0xDDDDDDDDDDDDDDDDL);
        d.memory().putInt(a + 100, 5);                        // a dangling pointer writes
        assertThatThrownBy(((DebugLayer) d)::check)
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(a);
                    assertThat(e.size()).isEqualTo(200);
                    assertThat(e.damaged()).isEqualTo(a + 100);
                    assertThat(e.site()).contains("allocateHere");
                    assertThat(e.getMessage()).contains("write after free", "offset 100");
                });
        d.free(b);
    }

    @Test
    void poisonFindsAWriteAfterFreeWhenTheBlockIsAboutToBeReused() {
        Decorator d = layer("poison", Map.of("quarantine-bytes", "128"), "segregated-fit");
        long a = allocateHere(d, 128);
        d.free(a);
        d.memory().putByte(a + 5, (byte) 0);
        long b = d.allocate(128);
        assertThat(b).isNotEqualTo(a);                        // a is still held
        assertThatThrownBy(() -> d.free(b))                   // pushes a out of quarantine: checked first
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> {
                    assertThat(e.block()).isEqualTo(a);
                    assertThat(e.damaged()).isEqualTo(a + 5);
                });
        // b's free is complete, a went back to the strategy: the heap is consistent and empty
        d.verify();
        assertThat(d.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        assertThatThrownBy(() -> d.free(b)).isInstanceOf(InvalidFreeException.class).hasMessageContaining("double free");
    }

    @Test
    void aWriteAfterFreeFoundDuringAReallocationIsReportedNextWithoutLosingTheBlock() {
        Decorator d = layer("poison", Map.of("quarantine-bytes", "100"), "dsmalloc");
        long a = allocateHere(d, 64);
        long b = d.allocate(32);
        d.memory().putLong(b, 77);
        d.free(a);
        d.memory().putByte(a + 1, (byte) 0);                  // a dangling write
        long moved = d.reallocate(b, 48);                     // moves b into quarantine, pushing a out
        assertThat(moved).isNotZero().isNotEqualTo(b);
        assertThat(d.memory().getLong(moved)).isEqualTo(77);
        assertThatThrownBy(((DebugLayer) d)::check)
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> assertThat(e.block()).isEqualTo(a));
        ((DebugLayer) d).check();                             // reported once: nothing else is wrong
        d.free(moved);
        d.verify();
        assertThat(d.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
    }

    @Test
    void stackedLayersStayConsistentWhenAnInnerOneReportsAfterItsReset() {
        simulated();
        Allocator bare = Registry.strategies().get("linear").create(Map.of("capacity", "1MiB"), vm);
        Decorator redZones = Registry.layers().get("red-zones").wrap(bare, Map.of(), vm);
        Decorator d = Registry.layers().get("free-check").wrap(redZones, Map.of(), vm);
        allocator = d;
        long a = allocateHere(d, 16);
        d.memory().putByte(a + 16, (byte) 0);
        assertThatThrownBy(d::reset)
                .isInstanceOfSatisfying(HeapCorruptionException.class, e -> assertThat(e.block()).isEqualTo(a));
        assertThat(d.stats().get(AllocatorStats.LIVE_BYTES)).isZero();   // both layers forgot the block
        assertThat(redZones.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
        d.verify();
        long again = d.allocate(16);                          // the same address, handed out afresh
        assertThat(again).isEqualTo(a);
        d.reset();
        d.verify();
    }

    @Test
    void poisonFillsNewBlocksWhenAsked() {
        Decorator d = layer("poison", Map.of("new-pattern", "0xcd"), "dsmalloc");
        long a = d.allocate(40);
        assertThat(d.memory().getLong(a + 32)).isEqualTo(0xCDCDCDCDCDCDCDCDL);
        d.memory().putLong(a, 1);
        long moved = d.reallocate(a, 4000);
        assertThat(d.memory().getLong(moved)).isEqualTo(1);  // the kept bytes are not poisoned over
        d.free(moved);
        d.verify();
    }

    @Test
    void badFreesAreNamedAndChangeNothing() {
        Decorator d = layer("free-check", Map.of(), "dsmalloc");
        long a = allocateHere(d, 64);
        long b = d.allocate(64);
        d.memory().putLong(b, 99);
        assertThatThrownBy(() -> d.free(a + 16)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("points 16 bytes into the 64-byte block at " + Sizes.hex(a))
                .hasMessageContaining("allocateHere");
        d.free(a);
        assertThatThrownBy(() -> d.free(a)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("double free: the 64-byte block at " + Sizes.hex(a) + " was freed already");
        assertThatThrownBy(() -> d.free(0x1234_5000L)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("not a block this allocator handed out");
        assertThatThrownBy(() -> d.reallocate(a, 10)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("cannot reallocate it: double free");
        d.verify();
        assertThat(d.memory().getLong(b)).isEqualTo(99);
        assertThat(d.stats().get(DebugLayer.BAD_FREES)).isEqualTo(4);
        assertThat(d.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(64);
        d.free(b);
    }

    @Test
    void aDoubleFreeThatGlibcWouldAbortOnIsRefused() {
        Decorator d = layer("free-check", Map.of(), "glibc");
        long a = d.allocate(32);
        d.free(a);
        assertThatThrownBy(() -> d.free(a)).hasMessageContaining("double free");
        d.verify();
    }

    @Test
    void budgetRefusesWhatWouldPassItAndSaysSo() {
        Decorator d = layer("budget", Map.of("bytes", "1000"), "dsmalloc");
        long a = d.allocate(600);
        assertThat(a).isNotZero();
        assertThat(d.allocate(500)).isZero();
        assertThat(d.reallocate(a, 1001)).isZero();
        long b = d.allocate(400);
        assertThat(b).isNotZero();
        d.free(a);
        assertThat(d.allocate(500)).isNotZero();
        AllocatorStats s = d.stats();
        assertThat(s.get("budget_refusals")).isEqualTo(2);
        assertThat(s.get("budget_bytes")).isEqualTo(1000);
        assertThat(s.get(AllocatorStats.PEAK_LIVE_BYTES)).isEqualTo(1000);
        var f = ((Findings) d).findings();
        assertThat(f).containsEntry("used_bytes", 900L).containsEntry("peak_used_bytes", 1000L).containsEntry("refusals", 2L);
        d.verify();
    }

    @Test
    void sitesCountEveryAllocationWhenSampleBytesIsZero() {
        Decorator d = layer("sites", Map.of("sample-bytes", "0", "site-frames", "1"), "segregated-fit");
        for (int i = 0; i < 10; i++) {
            holdsMemory(d);
            churns(d);
        }
        var f = ((Findings) d).findings();
        List<Map<String, Object>> byLive = rows(f, "by_live");
        List<Map<String, Object>> byChurn = rows(f, "by_churn");
        assertThat((String) byLive.get(0).get("site")).contains("holdsMemory");
        assertThat(byLive.get(0)).containsEntry("peak_live_bytes", 10_000L).containsEntry("allocations", 10L);
        assertThat((String) byChurn.get(0).get("site")).contains("churns");
        assertThat(byChurn.get(0)).containsEntry("freed_bytes", 100 * 64L).containsEntry("live_bytes", 0L);
    }

    private static long holdsMemory(Allocator a) {
        return a.allocate(1000);
    }

    private static void churns(Allocator a) {
        for (int i = 0; i < 10; i++) {
            a.free(a.allocate(64));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> findings, String key) {
        return (List<Map<String, Object>>) findings.get(key);
    }

    @Test
    void sampledSitesEstimateBytesWithoutBias() {
        Decorator d = layer("sites", Map.of("sample-bytes", "16KiB"), "segregated-fit");
        long[] held = new long[20_000];
        for (int i = 0; i < held.length; i++) {
            held[i] = holdsMemory(d);                         // 20 MB in 1000-byte blocks
        }
        for (int i = 0; i < held.length; i++) {
            churns(d);                                        // 12.8 MB of 64-byte blocks, freed at once
        }
        var f = ((Findings) d).findings();
        long sampled = (Long) f.get("sampled_allocations");
        assertThat(sampled).isBetween(1000L, 3000L);          // about 32.8 MB / 16 KiB
        Map<String, Object> holder = rows(f, "by_live").get(0);
        Map<String, Object> churner = rows(f, "by_churn").get(0);
        assertThat((String) holder.get("site")).contains("holdsMemory");
        assertThat((Long) holder.get("live_bytes")).isBetween(17_000_000L, 23_000_000L);
        assertThat((String) churner.get("site")).contains("churns");
        assertThat((Long) churner.get("freed_bytes")).isBetween(10_900_000L, 14_700_000L);
        for (long h : held) {
            d.free(h);
        }
    }

    @Test
    void aTraceRecordedSiteIsUsedAsItIs() {
        Decorator d = layer("sites", Map.of(), "dsmalloc");
        ((DebugLayer) d).nextSite("perl:(Perl_safesysmalloc+26)[0xf6f96]");
        long a = d.allocate(100);
        var byLive = rows(((Findings) d).findings(), "by_live");
        assertThat(byLive).hasSize(1);
        assertThat(byLive.get(0)).containsEntry("site", "perl:(Perl_safesysmalloc+26)[0xf6f96]")
                .containsEntry("bytes", 100L);
        d.free(a);
    }

    @Test
    void fragmentationIsSampledThroughARun() {
        Decorator d = layer("fragmentation", Map.of("every", "100"), "freelist");
        long[] blocks = new long[1000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = d.allocate(24 + (i % 7) * 8);
        }
        for (int i = 0; i < blocks.length; i += 2) {
            d.free(blocks[i]);                                // holes between live blocks
        }
        var f = ((Findings) d).findings();
        @SuppressWarnings("unchecked") List<Object> external = (List<Object>) f.get("external");
        @SuppressWarnings("unchecked") List<Object> internal = (List<Object>) f.get("internal");
        @SuppressWarnings("unchecked") List<Object> ops = (List<Object>) f.get("operation");
        assertThat(ops).hasSize(15).startsWith(100L, 200L);
        assertThat(ops.get(9)).isEqualTo(1000L);
        assertThat((Double) external.get(9)).isZero();      // one free span: the rest of the segment
        assertThat((Double) external.get(14)).isGreaterThan(0.0);   // then holes between live blocks
        assertThat((Double) internal.get(0)).isBetween(0.0, 1.0);
    }
}
