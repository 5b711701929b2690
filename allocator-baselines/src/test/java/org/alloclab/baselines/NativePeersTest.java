package org.alloclab.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The peers measured by their resident pages — jemalloc, tcmalloc, mimalloc: the footprint counts pages
 * touched, not pages handed to the heap, and follows the heap down when it gives pages back.
 */
class NativePeersTest {

    private VirtualMemory vm;

    @BeforeEach
    void openVm() {
        vm = Registry.virtualMemories().get("simulated").create(Map.of());
    }

    @AfterEach
    void closeVm() {
        vm.close();
    }

    /** The peer, or the test skipped (failed on CI) with what to install. */
    private Allocator peer(String name) {
        Optional<String> why = Registry.strategies().get(name).unavailable();
        if (why.isPresent()) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(why.get());
            }
            Assumptions.abort(why.get());
        }
        return Registry.strategies().get(name).create(Map.of(), vm);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jemalloc", "tcmalloc", "mimalloc"})
    void residentFootprintCountsTouchedPagesOnly(String name) {
        try (Allocator a = peer(name)) {
            // 8 MiB in blocks of 1 MiB, untouched: large blocks come from the page heap unwritten (small
            // ones may not: tcmalloc and mimalloc thread their free lists through the blocks)
            var blocks = new ArrayList<Long>();
            for (int i = 0; i < 8; i++) {
                blocks.add(a.allocate(Sizes.MiB));
            }
            long untouched = a.stats().get(AllocatorStats.COMMITTED_BYTES);
            for (long b : blocks) {
                a.memory().fill(b, Sizes.MiB, (byte) 1);
            }
            long touched = a.stats().get(AllocatorStats.COMMITTED_BYTES);
            // counted from when the heap came to the process, whose first pages the heap may since have released
            assertThat(touched).as(name + ": committed once 8 MiB are written").isGreaterThanOrEqualTo(8 * Sizes.MiB - 512 * Sizes.KiB);
            assertThat(untouched).as(name + ": committed before they are written").isLessThan(touched - 6 * Sizes.MiB);
            assertThat(a.stats().get("resident_bytes")).isEqualTo(a.stats().get(AllocatorStats.COMMITTED_BYTES));
            for (long b : blocks) {
                a.free(b);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jemalloc", "tcmalloc", "mimalloc"})
    void largeAlignmentsAreHonouredAndBadFreesRefused(String name) {
        try (Allocator a = peer(name)) {
            var blocks = new ArrayList<Long>();
            for (long alignment : List.of(8L, 16L, 32L, 256L, 1024L, 4096L)) {
                for (long size : List.of(1L, 8L, 16L, alignment, 2 * alignment, 3 * alignment + 5)) {
                    long p = a.allocate(size, alignment);
                    assertThat(p % alignment).as(name + ": allocate(" + size + ", " + alignment + ")").isZero();
                    assertThat(a.usableSize(p)).isGreaterThanOrEqualTo(size);
                    blocks.add(p);
                }
            }
            long big = a.allocate(4096, 64);
            assertThatThrownBy(() -> a.free(big + 64)).isInstanceOf(InvalidFreeException.class);
            a.free(big);
            for (long b : blocks) {
                a.free(b);
            }
            assertThatThrownBy(() -> a.free(blocks.getFirst())).isInstanceOf(InvalidFreeException.class);
        }
    }

    @Test
    void mimallocMisalignedBlocksAreAskedForAgain() {
        try (Allocator a = peer("mimalloc")) {
            long before = Mimalloc.misaligned();
            long p = a.allocate(256, 256);                // mimalloc 2.0.9 alone returns ...180 here
            assertThat(p % 256).isZero();
            assertThat(Mimalloc.misaligned()).as("retries").isGreaterThanOrEqualTo(before);
            a.free(p);
        }
    }

    @Test
    void anUnavailablePeerSaysWhatToInstall() {
        for (String name : List.of("tcmalloc", "mimalloc")) {
            Registry.strategies().get(name).unavailable().ifPresent(why ->
                    assertThat(why).contains("apt-get install"));
        }
    }
}
