package org.alloclab.slab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.alloclab.api.AllocatorStats;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The slab allocator's own rules: constructed state, magazines and the depot, slabs given back. */
class SlabTest {

    private final SimulatedVirtualMemory vm = new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);

    private SlabAllocator slab(Map<String, String> params) {
        return (SlabAllocator) Registry.strategies().get("slab").create(params, vm);
    }

    @AfterEach
    void close() {
        vm.close();
    }

    @Test
    void theConstructorRunsOncePerSlotAndItsStateSurvivesFreeAndReuse() {
        SlabAllocator s = slab(Map.of());
        AtomicInteger constructed = new AtomicInteger();
        var cache = s.createCache("vec3", 24, (memory, address, size) -> {
            constructed.incrementAndGet();
            memory.putLong(address, 0x5EED);
            memory.putLong(address + 16, address);
        });
        assertThat(cache.objectSize()).isEqualTo(24);
        List<Long> objects = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long o = cache.allocate();
            assertThat(s.memory().getLong(o)).isEqualTo(0x5EED);
            assertThat(s.memory().getLong(o + 16)).isEqualTo(o);
            objects.add(o);
        }
        int afterFirstRound = constructed.get();
        assertThat(afterFirstRound).isEqualTo(4096 / 24 * ((afterFirstRound + 169) / 170));   // whole slabs, once
        for (int round = 0; round < 5; round++) {
            for (long o : objects) {
                s.free(o);
            }
            objects.clear();
            for (int i = 0; i < 100; i++) {
                long o = cache.allocate();
                assertThat(s.memory().getLong(o)).isEqualTo(0x5EED);       // never written by the allocator
                objects.add(o);
            }
        }
        assertThat(constructed.get()).isEqualTo(afterFirstRound);
        assertThatThrownBy(() -> s.createCache("vec3", 24, null)).hasMessageContaining("already a cache named vec3");
        s.verify();
    }

    @Test
    void theConstructorParameterFillsGeneralCachesOnce() {
        SlabAllocator s = slab(Map.of("constructor", "0xAB"));
        long a = s.allocate(100);
        assertThat(s.usableSize(a)).isEqualTo(128);
        for (int i = 0; i < 128; i++) {
            assertThat(s.memory().getByte(a + i)).isEqualTo((byte) 0xAB);
        }
        assertThatThrownBy(() -> slab(Map.of("constructor", "0x1FF"))).hasMessageContaining("constructor");
        assertThatThrownBy(() -> slab(Map.of("sizes", "16,8"))).hasMessageContaining("sizes");
        assertThatThrownBy(() -> slab(Map.of("sizes", "16,x"))).hasMessageContaining("sizes");
    }

    @Test
    void fullMagazinesGoToTheDepotAndAnotherThreadTakesThemFromThere() throws Exception {
        SlabAllocator s = slab(Map.of("magazine-bytes", "512", "depot-magazines", "4"));   // 8 rounds of 64 B
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            blocks.add(s.allocate(64));
        }
        for (long b : blocks) {
            s.free(b);             // 8 fill loaded, 8 more after the swap, then 4 magazines to the depot, then slabs
        }
        AllocatorStats st = s.stats();
        assertThat(st.get("depot_full_magazines")).isEqualTo(4);
        assertThat(st.get("depot_overflows")).isEqualTo(0);
        List<Long> taken = new ArrayList<>();
        Thread other = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 16; i++) {
                taken.add(s.allocate(64));
            }
        });
        other.join();
        assertThat(s.stats().get("depot_full_magazines")).isEqualTo(2);
        assertThat(blocks).containsAll(taken);
        for (long b : taken) {
            s.free(b);
        }
        s.verify();
        s.trim();
        assertThat(s.stats().get(AllocatorStats.COMMITTED_BYTES)).isZero();
        s.verify();
    }

    @Test
    void aFullDepotSendsRoundsBackToTheSlabsWhichEmptyAndAreDecommitted() {
        SlabAllocator s = slab(Map.of("magazine-bytes", "512", "depot-magazines", "0"));
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            blocks.add(s.allocate(64));
        }
        for (long b : blocks) {
            s.free(b);
        }
        AllocatorStats st = s.stats();
        assertThat(st.get("cached_bytes")).isEqualTo(16 * 64);           // two magazines of 8
        assertThat(st.get(AllocatorStats.COMMITTED_BYTES)).isLessThanOrEqualTo(2 * 4096);
        assertThat(st.get("depot_overflows")).isPositive();
        s.verify();
    }

    @Test
    void badFreesNameTheObject() {
        SlabAllocator s = slab(Map.of());
        long a = s.allocate(96);
        assertThatThrownBy(() -> s.free(a + 32)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining("32 bytes into the 96-byte block at " + Sizes.hex(a));
        s.free(a);
        assertThatThrownBy(() -> s.free(a)).isInstanceOf(InvalidFreeException.class).hasMessageContaining("not live");
        s.verify();
    }
}
