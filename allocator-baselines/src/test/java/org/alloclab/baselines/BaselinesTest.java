package org.alloclab.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the contract does not ask: names, capabilities, footprints that follow the heap, Netty's padding. */
class BaselinesTest {

    private VirtualMemory vm;

    @BeforeEach
    void openVm() {
        vm = Registry.virtualMemories().get("simulated").create(Map.of());
    }

    @AfterEach
    void closeVm() {
        vm.close();
    }

    private Allocator create(String name, Map<String, ?> parameters) {
        return Registry.strategies().get(name).create(parameters, vm);
    }

    @Test
    void everyBaselineIsFoundByNameAndDeclaresExternalMemory() {
        assertThat(Registry.strategies().names()).contains("glibc", "jemalloc", "netty", "jdk-arena");
        for (String name : List.of("glibc", "jemalloc", "netty", "jdk-arena")) {
            try (Allocator a = create(name, Map.of())) {
                assertThat(a.strategy()).isEqualTo(name);
                assertThat(a.capabilities()).as(name).contains(Capability.EXTERNAL_MEMORY, Capability.FREE,
                        Capability.REALLOCATE, Capability.USABLE_SIZE, Capability.RESET, Capability.WALK_BLOCKS,
                        Capability.THREAD_SAFE).doesNotContain(Capability.FRAMES);
            }
        }
        try (Allocator confined = create("jdk-arena", Map.of("arena", "confined"))) {
            assertThat(confined.capabilities()).doesNotContain(Capability.THREAD_SAFE);
        }
    }

    @Test
    void badNettyParametersAreNamed() {
        assertThatThrownBy(() -> create("netty", Map.of("page-size", "3000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page-size");
        assertThatThrownBy(() -> create("netty", Map.of("max-order", "15")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-order");
    }

    /** 64 blocks of 1 MiB show in committed_bytes; the JVM's own malloc noise is far below the margin. */
    @ParameterizedTest
    @ValueSource(strings = {"glibc", "jemalloc", "netty", "jdk-arena"})
    void committedFollowsTheHeap(String name) {
        try (Allocator a = create(name, Map.of())) {
            long before = a.stats().get(AllocatorStats.COMMITTED_BYTES);
            var blocks = new ArrayList<Long>();
            for (int i = 0; i < 64; i++) {
                long p = a.allocate(Sizes.MiB);
                assertThat(p).isNotZero();
                a.memory().fill(p, Sizes.MiB, (byte) i);   // touch every page
                blocks.add(p);
            }
            AllocatorStats full = a.stats();
            assertThat(full.get(AllocatorStats.LIVE_BYTES)).isEqualTo(64 * Sizes.MiB);
            assertThat(full.get(AllocatorStats.COMMITTED_BYTES) - before).as(full.toString())
                    .isGreaterThanOrEqualTo(56 * Sizes.MiB);
            assertThat(full.get(AllocatorStats.PEAK_COMMITTED_BYTES))
                    .isGreaterThanOrEqualTo(full.get(AllocatorStats.COMMITTED_BYTES));
            blocks.forEach(a::free);
            AllocatorStats empty = a.stats();
            assertThat(empty.get(AllocatorStats.LIVE_BYTES)).isZero();
            assertThat(empty.get(AllocatorStats.PEAK_LIVE_BYTES)).isEqualTo(64 * Sizes.MiB);
            assertThat(empty.get(AllocatorStats.LIVE_BLOCKS)).isZero();
            if (name.equals("jdk-arena")) {
                assertThat(full.get(AllocatorStats.COMMITTED_BYTES)).isEqualTo(64 * Sizes.MiB);
                assertThat(empty.get(AllocatorStats.COMMITTED_BYTES)).isZero();
            }
        }
    }

    @Test
    void jemallocReportsItsPageCounts() {
        try (Allocator a = create("jemalloc", Map.of())) {
            long p = a.allocate(8 * Sizes.MiB);
            AllocatorStats s = a.stats();
            assertThat(s.get("resident_bytes")).isEqualTo(s.get(AllocatorStats.COMMITTED_BYTES));
            assertThat(s.get("mapped_bytes")).isGreaterThanOrEqualTo(s.get("resident_bytes"));
            assertThat(s.get("active_bytes")).isGreaterThanOrEqualTo(8 * Sizes.MiB);
            a.free(p);
        }
    }

    @Test
    void nettyAlignsInsideAPaddedBufferAndFreesTheBuffer() {
        try (Allocator a = create("netty", Map.of())) {
            long p = a.allocate(100, 4096);
            assertThat(p % 4096).isZero();
            assertThat(a.usableSize(p)).isGreaterThanOrEqualTo(100);
            assertThat(a.stats().get("alignment_padding_bytes")).isEqualTo(4095);
            long q = a.reallocate(p, 5000);
            assertThat(q % Allocator.DEFAULT_ALIGNMENT).isZero();
            assertThat(a.stats().get("alignment_padding_bytes")).isZero();
            assertThatThrownBy(() -> a.free(p)).isInstanceOf(InvalidFreeException.class);
            a.free(q);
            assertThat(a.stats().get("pinned_bytes")).isZero();
        }
    }

    @Test
    void glibcRejectsAnAddressItNeverGaveOutBeforeGlibcSeesIt() {
        try (Allocator a = create("glibc", Map.of())) {
            long p = a.allocate(64);
            assertThatThrownBy(() -> a.free(p + 16)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("inside the live block at " + Sizes.hex(p));
            assertThatThrownBy(() -> a.free(0x1000)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("not a live block");
            assertThat(a.owns(p + 63)).isTrue();
            assertThat(a.owns(p + 64 + 4096)).isFalse();
            a.free(p);
            assertThatThrownBy(() -> a.free(p)).isInstanceOf(InvalidFreeException.class);
        }
    }
}
