package org.alloclab.freelist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.InvalidFreeException;
import org.alloclab.api.Memory;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.freelist.FreeListAllocator.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Splitting, coalescing, alignment, reallocation, bad frees, verify and the providers. */
class FreeListAllocatorTest {

    /** Bytes between the prologue and epilogue tags of a 4 KiB heap. */
    private static final long HEAP_4K = 4096 - 16;

    private final VirtualMemory vm = Registry.virtualMemories().get("simulated")
            .create(Map.of("page-size", "4KiB", "budget", "1MiB"));

    @AfterEach
    void close() {
        vm.close();
    }

    private FreeListAllocator heap(Policy policy, long capacity) {
        return FreeListAllocator.create(vm, capacity, policy);
    }

    private record Span(boolean allocated, long address, long bytes) {
    }

    private static List<Span> walk(Allocator a) {
        var spans = new ArrayList<Span>();
        a.walk(new HeapVisitor() {
            @Override
            public void allocated(long address, long bytes) {
                spans.add(new Span(true, address, bytes));
            }

            @Override
            public void free(long address, long bytes) {
                spans.add(new Span(false, address, bytes));
            }
        });
        return spans;
    }

    // ---- splitting and coalescing ---------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Policy.class)
    void splitsOffARemainderOnlyWhenItMakesABlock(Policy policy) {
        try (var fl = heap(policy, 4096)) {
            long first = fl.allocate(100);
            assertThat(fl.usableSize(first)).as("120-byte block: 100 rounded up to 8, plus tags").isEqualTo(104);
            assertThat(fl.stats().get("free_bytes")).isEqualTo(HEAP_4K - 120);
            assertThat(fl.stats().get("free_blocks")).isEqualTo(1);
            long rest = HEAP_4K - 120;
            long second = fl.allocate(rest - 16 - 24);
            assertThat(second).isEqualTo(first + 120);
            assertThat(fl.usableSize(second)).as("a 24-byte remainder cannot be a block: handed out with it")
                    .isEqualTo(rest - 16);
            assertThat(fl.stats().get("free_blocks")).isZero();
            assertThat(fl.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(100 + rest - 40);
            assertThat(fl.stats().get("usable_bytes")).isEqualTo(104 + rest - 16);
            assertThat(fl.stats().get(AllocatorStats.OVERHEAD_BYTES)).isEqualTo(32);
            assertThat(fl.allocate(1)).as("the heap is full").isZero();
            assertThat(fl.stats().get(AllocatorStats.FAILED_ALLOCATIONS)).isEqualTo(1);
            fl.verify();
        }
    }

    @ParameterizedTest
    @EnumSource(Policy.class)
    void coalescesAFreedBlockWithBothNeighboursAtOnce(Policy policy) {
        try (var fl = heap(policy, 4096)) {
            long x = fl.allocate(40);     // 56
            long y = fl.allocate(100);    // 120
            long z = fl.allocate(8);      // 32
            long guard = fl.allocate(8);
            fl.free(x);
            fl.free(z);
            assertThat(fl.stats().get("free_blocks")).isEqualTo(3);
            fl.free(y);
            assertThat(fl.stats().get("free_blocks")).as("x, y and z are one block").isEqualTo(2);
            assertThat(fl.stats().get("coalesces")).isEqualTo(2);
            assertThat(walk(fl).getFirst()).isEqualTo(new Span(false, x, 56 + 120 + 32 - 16));
            fl.verify();
            fl.free(guard);
            assertThat(fl.stats().get("free_blocks")).isEqualTo(1);
            assertThat(fl.stats().get("largest_free_block")).isEqualTo(HEAP_4K);
            assertThat(walk(fl)).containsExactly(new Span(false, x, HEAP_4K - 16));
            assertThat(fl.allocate(HEAP_4K - 16)).as("the whole heap again").isEqualTo(x);
            fl.verify();
        }
    }

    @Test
    void reportsTheInputsOfTheFragmentationFigures() {
        try (var fl = heap(Policy.FIRST_FIT_ADDRESS, 4096)) {
            long a = fl.allocate(100);
            fl.allocate(10);
            long c = fl.allocate(300);
            fl.allocate(10);
            fl.free(a);
            fl.free(c);
            AllocatorStats s = fl.stats();
            assertThat(s.get("free_blocks")).isEqualTo(3);
            assertThat(s.get("free_bytes")).isEqualTo(HEAP_4K - 2 * 32);
            assertThat(s.get("largest_free_block")).isEqualTo(HEAP_4K - 120 - 32 - 320 - 32);
            assertThat(s.get(AllocatorStats.LIVE_BYTES)).isEqualTo(20);
            assertThat(s.get("usable_bytes")).isEqualTo(32);
            assertThat(s.get(AllocatorStats.OVERHEAD_BYTES)).isEqualTo(32);
            assertThat(s.get(AllocatorStats.PEAK_LIVE_BYTES)).isEqualTo(420);
            assertThat(s.get(AllocatorStats.COMMITTED_BYTES)).isEqualTo(4096);
            assertThat(s.get(AllocatorStats.RESERVED_BYTES)).isEqualTo(4096);
            assertThat(s.get(AllocatorStats.ALLOCATIONS)).isEqualTo(4);
        }
    }

    // ---- alignment --------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Policy.class)
    void alignsOnRequestAndReturnsTheLeadingGapToTheFreeList(Policy policy) {
        try (var fl = heap(policy, 64 * 1024)) {
            long small = fl.allocate(8);
            long aligned = fl.allocate(100, 4096);
            assertThat(aligned % 4096).isZero();
            List<Span> spans = walk(fl);
            assertThat(spans.get(0)).isEqualTo(new Span(true, small, 16));
            assertThat(spans.get(1).allocated()).as("the gap before the aligned block is free").isFalse();
            assertThat(spans.get(1).address() + spans.get(1).bytes() + 16).isEqualTo(aligned);
            assertThat(spans.get(2)).isEqualTo(new Span(true, aligned, 104));
            assertThat(fl.stats().get("free_blocks")).isEqualTo(2);
            fl.verify();
            fl.free(aligned);
            assertThat(fl.stats().get("free_blocks")).as("gap, block and remainder merge again").isEqualTo(1);
            fl.verify();
        }
    }

    @Test
    void movesAnAlignedPayloadOnWhenTheGapBeforeItCouldNotBeABlock() {
        try (var fl = heap(Policy.FIRST_FIT_ADDRESS, 4096)) {
            long base = fl.heapBase();
            assertThat(fl.allocate(8)).isEqualTo(base + 16);     // block [base+8, base+40)
            assertThat(fl.allocate(24)).isEqualTo(base + 48);    // block [base+40, base+80)
            long aligned = fl.allocate(8, 16);                   // base+96 would leave an 8-byte gap
            assertThat(aligned).isEqualTo(base + 128);
            assertThat(walk(fl).get(2)).isEqualTo(new Span(false, base + 88, 24));
            fl.verify();
        }
    }

    // ---- reallocation -----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Policy.class)
    void reallocatesInPlaceWhenTheNextBlockIsFreeAndShrinksInPlace(Policy policy) {
        try (var fl = heap(policy, 4096)) {
            Memory m = fl.memory();
            long a = fl.allocate(100);
            long b = fl.allocate(100);
            m.putLong(a, 0x0123456789abcdefL);
            m.putLong(a + 96, 42);
            fl.free(b);
            assertThat(fl.reallocate(a, 1000)).as("grows into the free block after it").isEqualTo(a);
            assertThat(m.getLong(a)).isEqualTo(0x0123456789abcdefL);
            assertThat(m.getLong(a + 96)).isEqualTo(42);
            assertThat(fl.usableSize(a)).isEqualTo(1000);
            assertThat(fl.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(1000);
            assertThat(fl.reallocate(a, 40)).as("shrinks in place").isEqualTo(a);
            assertThat(fl.usableSize(a)).isEqualTo(40);
            assertThat(fl.stats().get("free_bytes")).as("the tail merged with the free block after it")
                    .isEqualTo(HEAP_4K - 56);
            assertThat(fl.stats().get("free_blocks")).isEqualTo(1);
            assertThat(fl.reallocate(a, 20)).as("a 16-byte tail cannot be a block: it stays").isEqualTo(a);
            assertThat(fl.usableSize(a)).isEqualTo(40);
            assertThat(fl.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(20);
            assertThat(fl.stats().get("in_place_reallocations")).isEqualTo(3);
            assertThat(fl.stats().get(AllocatorStats.ALLOCATIONS)).isEqualTo(2);
            fl.verify();
        }
    }

    @ParameterizedTest
    @EnumSource(Policy.class)
    void movesABlockWhoseNeighbourIsInUseKeepingItsBytes(Policy policy) {
        try (var fl = heap(policy, 4096)) {
            Memory m = fl.memory();
            long a = fl.allocate(64);
            fl.allocate(8);
            for (int i = 0; i < 64; i += 8) {
                m.putLong(a + i, i * 31L + 7);
            }
            long moved = fl.reallocate(a, 200);
            assertThat(moved).isNotZero().isNotEqualTo(a);
            for (int i = 0; i < 64; i += 8) {
                assertThat(m.getLong(moved + i)).isEqualTo(i * 31L + 7);
            }
            assertThatThrownBy(() -> fl.free(a)).isInstanceOf(InvalidFreeException.class)
                    .hasMessageContaining("already free");
            assertThat(fl.stats().get(AllocatorStats.LIVE_BYTES)).isEqualTo(208);
            assertThat(fl.reallocate(moved, 5000)).as("larger than the heap").isZero();
            assertThat(m.getLong(moved + 56)).isEqualTo(56 * 31L + 7);
            assertThat(fl.usableSize(moved)).isEqualTo(200);
            fl.verify();
        }
    }

    // ---- bad frees ----------------------------------------------------------------------------------------

    /** What a bad call must not change. */
    private record Snapshot(List<Span> spans, Map<String, Long> stats) {
        static Snapshot of(FreeListAllocator fl) {
            var stats = new java.util.LinkedHashMap<>(fl.stats().asMap());
            stats.remove("search_probes");
            return new Snapshot(walk(fl), stats);
        }
    }

    private static void refused(FreeListAllocator fl, long address, String why) {
        Snapshot before = Snapshot.of(fl);
        assertThatThrownBy(() -> fl.free(address)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining(org.alloclab.api.Sizes.hex(address)).hasMessageContaining(why);
        assertThatThrownBy(() -> fl.reallocate(address, 16)).isInstanceOf(InvalidFreeException.class)
                .hasMessageContaining(why);
        assertThatThrownBy(() -> fl.usableSize(address)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a live block").hasMessageContaining(why);
        assertThat(Snapshot.of(fl)).isEqualTo(before);
        fl.verify();
    }

    @ParameterizedTest
    @EnumSource(Policy.class)
    void refusesBadFreesAndLeavesTheHeapAsItWas(Policy policy) {
        try (var fl = heap(policy, 8192)) {
            Memory m = fl.memory();
            long a = fl.allocate(64);
            long b = fl.allocate(64);
            fl.allocate(64);
            long d = fl.allocate(64);
            refused(fl, fl.heapBase() - 4096, "outside this allocator's heap");
            refused(fl, fl.heapLimit(), "outside this allocator's heap");
            refused(fl, b + 4, "not 8-byte aligned");
            refused(fl, fl.heapBase() + 8, "edge");
            for (long fill : new long[] {0, -1, 0x5a5a5a5a5a5a5a5aL}) {
                m.fill(b, 64, (byte) fill);
                refused(fl, b + 8, "not the start of a block");
                refused(fl, b + 16, "not the start of a block");
            }
            m.putLong(b + 8, m.getLong(a - 8));                  // a copy of a real header inside b
            refused(fl, b + 16, "not the start of a block");
            fl.free(a);
            refused(fl, a, "already free");
            fl.free(b);                                          // merges with a
            refused(fl, b, "already free");
            refused(fl, d + 200, "not the start of a block");    // inside the heap's free rest
        }
    }

    @Test
    void refusesAnAddressFromBeforeAReset() {
        try (var fl = heap(Policy.BEST_FIT, 4096)) {
            fl.allocate(16);
            long second = fl.allocate(16);
            fl.reset();
            assertThat(fl.stats().get(AllocatorStats.LIVE_BYTES)).isZero();
            refused(fl, second, "not the start of a block");
            assertThat(fl.allocate(HEAP_4K - 16)).as("the whole heap is free again").isNotZero();
            fl.verify();
        }
    }

    // ---- verify -----------------------------------------------------------------------------------------

    @Test
    void verifyFindsATornFooter() {
        try (var fl = heap(Policy.FIRST_FIT_ADDRESS, 4096)) {
            long a = fl.allocate(40);
            fl.allocate(40);
            fl.memory().putLong(a + 40, 0);
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("footer equals the header");
        }
    }

    @Test
    void verifyFindsAFreeBlockMissingFromTheListAndTwoAdjacentFreeBlocks() {
        try (var fl = heap(Policy.FIRST_FIT_LIFO, 4096)) {
            long a = fl.allocate(40);
            fl.allocate(40);
            long tag = BoundaryTag.encode(a - 8, 56, false, 0, 0);
            fl.memory().putLong(a - 8, tag);
            fl.memory().putLong(a + 40, tag);
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("agree with the counters");
        }
        try (var fl = heap(Policy.FIRST_FIT_LIFO, 4096)) {
            fl.allocate(40);
            long b = fl.allocate(40);
            fl.allocate(40);
            fl.free(b);
            long c = b + 56;                                      // next to the free b
            long tag = BoundaryTag.encode(c - 8, 56, false, 0, 0);
            fl.memory().putLong(c - 8, tag);
            fl.memory().putLong(c + 40, tag);
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no two adjacent blocks are free");
        }
    }

    @Test
    void verifyFindsAListOutOfOrder() {
        try (var fl = heap(Policy.FIRST_FIT_FIFO, 4096)) {
            long a = fl.allocate(40);
            fl.allocate(8);
            long b = fl.allocate(40);
            fl.allocate(8);
            fl.free(a);
            fl.free(b);
            fl.verify();
            fl.memory().putLong(b - 8 + 16, 0);                  // b's stamp: as if freed before the others
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("FIFO order");
        }
        try (var fl = heap(Policy.FIRST_FIT_ADDRESS, 4096)) {
            long a = fl.allocate(40);
            fl.allocate(8);
            long b = fl.allocate(40);
            fl.allocate(8);
            fl.free(b);
            fl.free(a);
            fl.verify();
            long linkA = fl.memory().getLong(a - 8 + 8);          // swap the two blocks' places in the list
            long linkB = fl.memory().getLong(b - 8 + 8);
            fl.memory().putLong(a - 8 + 8, linkB);
            fl.memory().putLong(b - 8 + 8, linkA);
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void verifyFindsALiveByteCountThatTheTagsDoNotBackUp() {
        try (var fl = heap(Policy.NEXT_FIT, 4096)) {
            long a = fl.allocate(40);
            long tag = BoundaryTag.encode(a - 8, 56, true, 3, 0);
            fl.memory().putLong(a - 8, tag);
            fl.memory().putLong(a + 40, tag);
            assertThatThrownBy(fl::verify).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("live bytes");
        }
    }

    // ---- providers ----------------------------------------------------------------------------------------

    @Test
    void providersNameOneImplementationByPolicy() {
        var registry = Registry.strategies();
        assertThat(registry.names()).contains("freelist", "freelist.first-fit-lifo", "freelist.first-fit-fifo",
                "freelist.first-fit-address", "freelist.next-fit", "freelist.best-fit");
        try (Allocator a = registry.get("freelist").create(Map.of("capacity", "64KiB"), vm)) {
            assertThat(a.strategy()).isEqualTo("freelist.first-fit-address");
            assertThat(((FreeListAllocator) a).policy()).isEqualTo(Policy.FIRST_FIT_ADDRESS);
        }
        for (Policy p : Policy.values()) {
            try (Allocator a = registry.get("freelist").create(Map.of("capacity", "64KiB", "policy", p.id()), vm);
                 Allocator b = registry.get("freelist." + p.id()).create(Map.of("capacity", "64KiB"), vm)) {
                assertThat(a.strategy()).isEqualTo(b.strategy()).isEqualTo("freelist." + p.id());
                assertThat(a.getClass()).isEqualTo(b.getClass());
            }
        }
        assertThat(registry.get("freelist.best-fit").parameters()).extracting(p -> p.name())
                .containsExactly("capacity", "mechanism", "heap");
        try (Allocator a = registry.get("freelist.best-fit").create(Map.of("capacity", "64KiB"), vm);
             Allocator b = registry.get("freelist.best-fit").create(Map.of("capacity", "64KiB", "mechanism", "list"), vm)) {
            assertThat(((FreeListAllocator) a).mechanism()).isEqualTo(FreeListAllocator.Mechanism.TREE);
            assertThat(((FreeListAllocator) b).mechanism()).isEqualTo(FreeListAllocator.Mechanism.LIST);
        }
        assertThat(registry.get("freelist").parameters().get(0).defaultValue()).isEqualTo("64MiB");
    }

    @Test
    void providersRejectBadParametersNamingThem() {
        var registry = Registry.strategies();
        assertThatThrownBy(() -> registry.get("freelist").create(Map.of("policy", "worst-fit"), vm))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy")
                .hasMessageContaining("worst-fit");
        assertThatThrownBy(() -> registry.get("freelist.next-fit").create(Map.of("capacity", "64GiB"), vm))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> registry.get("freelist.next-fit").create(Map.of("policy", "best-fit"), vm))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
        assertThat(vm.stats().reservedBytes()).isZero();
    }

    @Test
    void commitsTheWholeHeapAtCreationAndGivesItBackOnClose() {
        try (Allocator a = Registry.strategies().get("freelist").create(Map.of("capacity", "100KiB", "heap", "fixed"), vm)) {
            assertThat(vm.stats().committedBytes()).isEqualTo(100 * 1024);
            assertThat(vm.stats().reservedBytes()).isEqualTo(100 * 1024);
            a.allocate(1000);
        }
        assertThat(vm.stats().committedBytes()).isZero();
        assertThat(vm.stats().reservedBytes()).isZero();
        assertThatThrownBy(() -> Registry.strategies().get("freelist").create(Map.of("capacity", "2MiB", "heap", "fixed"), vm))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("could not commit");
        assertThat(vm.stats().reservedBytes()).as("the reservation is given back").isZero();
    }

    @Test
    void aGrowingHeapIsCommittedUpToItsHighWaterMarkAndNeverShrinks() {
        try (Allocator a = Registry.strategies().get("freelist").create(Map.of("capacity", "1MiB"), vm)) {
            assertThat(vm.stats().committedBytes()).as("its first and last pages").isEqualTo(8 * 1024);
            assertThat(vm.stats().reservedBytes()).isEqualTo(1024 * 1024);
            long[] blocks = new long[50];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = a.allocate(1000);
                a.memory().fill(blocks[i], 1000, (byte) i);        // every byte of every block is writable
            }
            long high = vm.stats().committedBytes();
            assertThat(high).isBetween(50 * 1016L, 50 * 1016L + 3 * 4096 + 4096);
            assertThat(a.stats().get(AllocatorStats.COMMITTED_BYTES)).isEqualTo(high);
            for (long b : blocks) {
                a.free(b);
            }
            assertThat(vm.stats().committedBytes()).as("as sbrk's heap: it does not shrink").isEqualTo(high);
            a.verify();
            assertThat(a.allocate(900 * 1024)).as("grows to hold a large block").isNotZero();
            assertThat(vm.stats().committedBytes()).isGreaterThan(900 * 1024);
            a.verify();
        }
    }
}
