package org.alloclab.freelist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.freelist.FreeListAllocator.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each policy's placement decision on a small hand-built heap. A 4 KiB heap is filled with blocks, and
 * five of them, kept apart by allocated guards, are freed in the order G, A, C, E, I:
 * <pre>
 *   address order:  A  g  C  g  E  g  G  g  I  g  rest
 *   block bytes:    56    120   80    200   96
 * </pre>
 * A request of 48 bytes needs a 64-byte block, which A cannot hold: first fit over the address-ordered
 * list takes C, best fit E, LIFO the most recently freed I, FIFO the first freed G.
 */
class PlacementTest {

    private final VirtualMemory vm = Registry.virtualMemories().get("simulated")
            .create(Map.of("page-size", "4KiB", "budget", "1MiB"));

    @AfterEach
    void close() {
        vm.close();
    }

    /** The payload addresses of the five freed blocks. */
    private record Holes(FreeListAllocator allocator, long a, long c, long e, long g, long i) {
    }

    /** Builds the heap of the class comment: every byte allocated, then G, A, C, E, I freed in that order. */
    private Holes holesInOrder(Policy policy) {
        return holesInOrder(policy, FreeListAllocator.Mechanism.TREE);
    }

    private Holes holesInOrder(Policy policy, FreeListAllocator.Mechanism mechanism) {
        FreeListAllocator fl = FreeListAllocator.create(vm, 4096, policy, mechanism);
        long a = fl.allocate(40);        // a 56-byte block
        fl.allocate(16);                 // guards: 32-byte blocks
        long c = fl.allocate(104);       // 120
        fl.allocate(16);
        long e = fl.allocate(64);        // 80
        fl.allocate(16);
        long g = fl.allocate(184);       // 200
        fl.allocate(16);
        long i = fl.allocate(80);        // 96
        fl.allocate(16);
        assertThat(fl.allocate(fl.stats().get("largest_free_block") - 16)).as("the rest of the heap").isNotZero();
        assertThat(fl.stats().get("free_blocks")).isZero();
        for (long hole : new long[] {g, a, c, e, i}) {
            fl.free(hole);
        }
        fl.verify();
        assertThat(fl.stats().get("free_blocks")).as("no hole merged with another").isEqualTo(5);
        assertThat(fl.stats().get("free_bytes")).isEqualTo(56 + 120 + 80 + 200 + 96);
        return new Holes(fl, a, c, e, g, i);
    }

    @Test
    void firstFitOverTheAddressOrderedListTakesTheLowestBlockThatFits() {
        Holes h = holesInOrder(Policy.FIRST_FIT_ADDRESS);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).isEqualTo(h.c);
            assertThat(fl.allocate(24)).as("A fits a 40-byte block and is lowest").isEqualTo(h.a);
            fl.verify();
        }
    }

    @Test
    void bestFitTakesTheSmallestBlockThatFits() {
        Holes h = holesInOrder(Policy.BEST_FIT);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).isEqualTo(h.e);
            assertThat(fl.allocate(72)).as("88 bytes: I (96) is smaller than C (120) and G (200)").isEqualTo(h.i);
            fl.verify();
        }
    }

    @Test
    void bestFitSearchesTheWholeListUnlessItFindsAnExactFit() {
        Holes h = holesInOrder(Policy.BEST_FIT, FreeListAllocator.Mechanism.LIST);   // the list's probes
        try (var fl = h.allocator) {
            long before = fl.stats().get("search_probes");
            assertThat(fl.allocate(40)).as("A is exactly 56 bytes").isEqualTo(h.a);
            assertThat(fl.stats().get("search_probes") - before).as("an exact fit at the head ends the search")
                    .isEqualTo(1);
            before = fl.stats().get("search_probes");
            assertThat(fl.allocate(48)).isEqualTo(h.e);
            assertThat(fl.stats().get("search_probes") - before).as("every one of the four free blocks examined")
                    .isEqualTo(4);
        }
    }

    @Test
    void firstFitLifoTakesTheMostRecentlyFreedBlockThatFitsAndItsRemainderStaysAtTheHead() {
        Holes h = holesInOrder(Policy.FIRST_FIT_LIFO);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).isEqualTo(h.i);
            assertThat(fl.allocate(16)).as("I's 32-byte remainder kept I's place at the head")
                    .isEqualTo(h.i + 64);
            assertThat(fl.allocate(48)).as("then E, freed before I").isEqualTo(h.e);
            fl.free(h.i);
            assertThat(fl.allocate(8)).as("a block just freed goes to the head").isEqualTo(h.i);
            fl.verify();
        }
    }

    @Test
    void firstFitFifoTakesTheFirstFreedBlockThatFitsAndAppendsFreedBlocks() {
        Holes h = holesInOrder(Policy.FIRST_FIT_FIFO);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).isEqualTo(h.g);
            assertThat(fl.allocate(48)).as("G's 136-byte remainder kept G's place at the head").isEqualTo(h.g + 64);
            assertThat(fl.allocate(56)).as("72 bytes: G's rest (72) is still first").isEqualTo(h.g + 128);
            assertThat(fl.allocate(24)).as("then A, freed second").isEqualTo(h.a);
            fl.free(h.a);
            assertThat(fl.allocate(48)).as("A went to the tail; C is next").isEqualTo(h.c);
            fl.verify();
        }
    }

    @Test
    void nextFitContinuesWhereTheLastSearchEndedAndWrapsAround() {
        Holes h = holesInOrder(Policy.NEXT_FIT);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).as("the first search starts at the head: C").isEqualTo(h.c);
            assertThat(fl.allocate(48)).as("from C's 56-byte remainder on: E").isEqualTo(h.e);
            assertThat(fl.allocate(32)).as("from the block after E: G, although A fits and is lower")
                    .isEqualTo(h.g);
            assertThat(fl.allocate(136)).as("G's 152-byte remainder, an exact fit").isEqualTo(h.g + 48);
            assertThat(fl.allocate(40)).as("then I").isEqualTo(h.i);
            assertThat(fl.allocate(1000)).as("nothing fits anywhere").isZero();
            assertThat(fl.allocate(40)).as("I's 40-byte remainder is too small: wraps round to A").isEqualTo(h.a);
            fl.verify();
        }
    }

    @Test
    void firstFitOverAddressOrderWouldHaveGoneBackToTheLowestBlock() {
        Holes h = holesInOrder(Policy.FIRST_FIT_ADDRESS);
        try (var fl = h.allocator) {
            assertThat(fl.allocate(48)).isEqualTo(h.c);
            assertThat(fl.allocate(48)).isEqualTo(h.e);
            assertThat(fl.allocate(32)).as("where next fit took G").isEqualTo(h.a);
        }
    }
}
