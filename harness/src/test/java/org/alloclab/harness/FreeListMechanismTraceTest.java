package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.freelist.FreeListAllocator;
import org.alloclab.harness.workload.MtraceReader;
import org.alloclab.harness.workload.Operations;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The free lists' two mechanisms on real programs' operations: the tree (O(log n)) must place every block where
 * the list walk — the specification — places it, over the first {@link #OPERATIONS} operations of each shared
 * trace (the list walk is what makes the whole traces too slow for a test), every request 16-byte aligned as a
 * replay asks. Where the list fails, the tree must fail too.
 */
class FreeListMechanismTraceTest {

    private static final int OPERATIONS = 25_000;
    private static final Path TRACES = Path.of("..", "..", "shared", "traces");

    @ParameterizedTest
    @EnumSource(FreeListAllocator.Policy.class)
    void theTreePlacesEveryBlockOfARealTraceWhereTheListDoes(FreeListAllocator.Policy policy) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(TRACES), "the shared traces are beside the checkout");
        try (var files = Files.list(TRACES)) {
            for (Path trace : files.filter(f -> f.toString().endsWith(".mtrace.gz")).sorted().toList()) {
                Operations ops = MtraceReader.read(trace, trace.getFileName().toString(), 16);
                compare(policy, ops, trace.getFileName().toString());
            }
        }
    }

    private static void compare(FreeListAllocator.Policy policy, Operations ops, String name) {
        try (VirtualMemory vmList = simulated(); VirtualMemory vmTree = simulated();
             var list = FreeListAllocator.create(vmList, 32L << 20, policy, FreeListAllocator.Mechanism.LIST);
             var tree = FreeListAllocator.create(vmTree, 32L << 20, policy, FreeListAllocator.Mechanism.TREE)) {
            long[] inList = new long[ops.slotCount()];
            long[] inTree = new long[ops.slotCount()];
            long baseList = 0;
            long baseTree = 0;
            int n = Math.min(OPERATIONS, ops.size());
            for (int i = 0; i < n; i++) {
                int slot = ops.slot(i);
                switch (ops.kind(i)) {
                    case ALLOCATE -> {
                        long a = list.allocate(ops.requestSize(i), ops.alignment(i));
                        long b = tree.allocate(ops.requestSize(i), ops.alignment(i));
                        if (baseList == 0 && a != 0) {
                            baseList = a;
                            baseTree = b;
                        }
                        assertThat(b == 0 ? -1 : b - baseTree).as("%s, %s, operation %d: allocate(%d)", name, policy, i,
                                ops.requestSize(i)).isEqualTo(a == 0 ? -1 : a - baseList);
                        inList[slot] = a;
                        inTree[slot] = b;
                    }
                    case FREE -> {
                        if (inList[slot] != 0) {
                            list.free(inList[slot]);
                            tree.free(inTree[slot]);
                        }
                        inList[slot] = 0;
                        inTree[slot] = 0;
                    }
                    case REALLOCATE -> {
                        if (inList[slot] != 0) {
                            long a = list.reallocate(inList[slot], ops.requestSize(i));
                            long b = tree.reallocate(inTree[slot], ops.requestSize(i));
                            assertThat(b == 0 ? -1 : b - baseTree).as("%s, %s, operation %d: reallocate", name, policy, i)
                                    .isEqualTo(a == 0 ? -1 : a - baseList);
                            if (a != 0) {
                                inList[slot] = a;
                                inTree[slot] = b;
                            }
                        }
                    }
                    default -> {
                        // phases and meetings: not in a trace
                    }
                }
            }
            list.verify();
            tree.verify();
        }
    }

    private static VirtualMemory simulated() {
        return Registry.virtualMemories().get("simulated").create(Map.of("page-size", "4KiB", "budget", "1GiB"));
    }
}
