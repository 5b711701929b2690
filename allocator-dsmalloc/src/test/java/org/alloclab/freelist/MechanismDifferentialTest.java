package org.alloclab.freelist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.freelist.FreeListAllocator.Mechanism;
import org.alloclab.freelist.FreeListAllocator.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tree mechanism against its specification, the list: long random sequences of allocations
 * (aligned ones among them), frees, reallocations and resets are replayed through both, and every
 * allocation must land at the same offset in the heap, every failure fail alike, and the free-block
 * metrics agree. A heap small enough to fill makes the searches pass over many blocks that do not fit,
 * and makes allocations fail, where a mechanism that only approximated the policy would show.
 */
class MechanismDifferentialTest {

    private static final long HEAP = 512 * 1024;

    private final VirtualMemory listVm = simulated();
    private final VirtualMemory treeVm = simulated();

    private static VirtualMemory simulated() {
        return Registry.virtualMemories().get("simulated").create(Map.of("page-size", "4KiB", "budget", "4MiB"));
    }

    @AfterEach
    void close() {
        listVm.close();
        treeVm.close();
    }

    /** A request size: mostly small, sometimes a few KiB, rarely tens of KiB, as real programs ask. */
    private static long size(SplittableRandom r) {
        int kind = r.nextInt(100);
        if (kind < 70) {
            return 1 + r.nextInt(200);
        }
        if (kind < 95) {
            return 1 + r.nextInt(4096);
        }
        return 1 + r.nextInt(48 * 1024);
    }

    @ParameterizedTest
    @EnumSource(Policy.class)
    void theTreeMakesTheListsChoices(Policy policy) {
        for (long seed = 1; seed <= 3; seed++) {
            replay(policy, seed, 60_000);
        }
    }

    private void replay(Policy policy, long seed, int steps) {
        var r = new SplittableRandom(seed * 7919 + policy.ordinal());
        try (var list = FreeListAllocator.create(listVm, HEAP, policy, Mechanism.LIST);
             var tree = FreeListAllocator.create(treeVm, HEAP, policy, Mechanism.TREE)) {
            assertThat(tree.mechanism()).isEqualTo(Mechanism.TREE);
            List<Long> live = new ArrayList<>();    // offsets from the heap base, the same in both
            for (int step = 0; step < steps; step++) {
                String at = policy.id() + " seed " + seed + " step " + step;
                int op = r.nextInt(100);
                if (op < 50 || live.isEmpty()) {
                    long size = size(r);
                    int a16 = r.nextInt(10);     // 8, malloc's 16 (what replays ask), or larger
                    long alignment = a16 < 4 ? 8 : a16 < 9 ? 16 : 32L << r.nextInt(7);
                    long a = list.allocate(size, alignment);
                    long b = tree.allocate(size, alignment);
                    long offset = a == 0 ? -1 : a - list.heapBase();
                    assertThat(b == 0 ? -1 : b - tree.heapBase()).as(at + ": allocate(" + size + ", " + alignment + ")")
                            .isEqualTo(offset);
                    if (a != 0) {
                        live.add(offset);
                    }
                } else if (op < 88) {
                    long offset = live.remove(r.nextInt(live.size()));
                    list.free(list.heapBase() + offset);
                    tree.free(tree.heapBase() + offset);
                } else if (op < 99) {
                    int i = r.nextInt(live.size());
                    long offset = live.get(i);
                    long size = size(r);
                    long a = list.reallocate(list.heapBase() + offset, size);
                    long b = tree.reallocate(tree.heapBase() + offset, size);
                    long moved = a == 0 ? -1 : a - list.heapBase();
                    assertThat(b == 0 ? -1 : b - tree.heapBase()).as(at + ": reallocate to " + size).isEqualTo(moved);
                    if (a != 0) {
                        live.set(i, moved);
                    }
                } else if (r.nextInt(20) == 0) {
                    list.reset();
                    tree.reset();
                    live.clear();
                }
                if (step % 5_000 == 0) {
                    list.verify();
                    tree.verify();
                    var ls = list.stats();
                    var ts = tree.stats();
                    for (String metric : List.of("free_bytes", "free_blocks", "largest_free_block", "live_bytes")) {
                        assertThat(ts.get(metric)).as(at + ": " + metric).isEqualTo(ls.get(metric));
                    }
                }
            }
            list.verify();
            tree.verify();
        }
    }
}
