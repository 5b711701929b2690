package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.alloclab.harness.workload.FragmentationWorkload;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.Operations.Kind;
import org.junit.jupiter.api.Test;

class FragmentationWorkloadTest {

    private final FragmentationWorkload workload = new FragmentationWorkload();

    @Test
    void fillsFreesAShareInRandomOrderThenAsksForLargeBlocks() {
        var p = workload.resolve(Map.of("fill", "1MiB", "free-percent", 50, "large-size", "32KiB", "large-count", 10));
        Operations ops = workload.generate("f", p, 7);
        OperationsChecker.check(ops);
        long[] counts = ops.countByKind();
        long small = counts[Kind.ALLOCATE.ordinal()] - 10;
        assertThat(counts[Kind.FREE.ordinal()]).isEqualTo(small / 2);
        long asked = 0;
        for (int i = 0; i < small; i++) {
            assertThat(ops.kind(i)).isEqualTo(Kind.ALLOCATE);
            assertThat(ops.requestSize(i)).isBetween(16L, 4096L);
            asked += ops.requestSize(i);
        }
        assertThat(asked).isBetween(1L << 20, (1L << 20) + 4096);
        boolean shuffled = false;
        for (int i = (int) small + 1; i < small + counts[Kind.FREE.ordinal()]; i++) {
            shuffled |= ops.slot(i) < ops.slot(i - 1);
        }
        assertThat(shuffled).as("frees come in random order, not allocation order").isTrue();
        for (int i = ops.size() - 10; i < ops.size(); i++) {
            assertThat(ops.kind(i)).isEqualTo(Kind.ALLOCATE);
            assertThat(ops.requestSize(i)).isEqualTo(32 << 10);
        }
    }

    @Test
    void theSameSeedGivesTheSameOperations() {
        var p = workload.resolve(Map.of("fill", "256KiB"));
        Operations a = workload.generate("f", p, 3);
        Operations b = workload.generate("f", p, 3);
        assertThat(a.size()).isEqualTo(b.size());
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.slot(i)).isEqualTo(b.slot(i));
            assertThat(a.requestSize(i)).isEqualTo(b.requestSize(i));
        }
    }
}
