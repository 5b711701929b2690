package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Map;

import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.RandomWorkload;
import org.junit.jupiter.api.Test;

class RandomWorkloadTest {

    private final RandomWorkload random = new RandomWorkload();

    @Test
    void theSameSeedGivesTheSameOperations() {
        var p = random.resolve(Map.of("operations", 5000));
        Operations a = random.generate("w", p, 1);
        Operations b = random.generate("w", p, 1);
        Operations c = random.generate("w", p, 2);
        assertThat(a.size()).isEqualTo(b.size());
        boolean differs = a.size() != c.size();
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.kind(i)).isEqualTo(b.kind(i));
            assertThat(a.slot(i)).isEqualTo(b.slot(i));
            assertThat(a.requestSize(i)).isEqualTo(b.requestSize(i));
            differs |= i < c.size() && a.requestSize(i) != c.requestSize(i);
        }
        assertThat(differs).as("another seed gives other operations").isTrue();
    }

    @Test
    void everyFreeAndReallocationNamesALiveBlockAndSizesStayInRange() {
        var p = random.resolve(Map.of("operations", 20000, "min-size", 16, "max-size", 1024, "phase-length", 3000));
        Operations ops = random.generate("w", p, 42);
        var live = new HashSet<Integer>();
        long allocations = 0;
        long phases = 0;
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.kind(i)) {
                case ALLOCATE -> {
                    assertThat(live.add(ops.slot(i))).isTrue();
                    assertThat(ops.requestSize(i)).isBetween(16L, 1024L);
                    allocations++;
                }
                case FREE -> assertThat(live.remove(ops.slot(i))).as("free of a live slot at %d", i).isTrue();
                case REALLOCATE -> {
                    assertThat(live).contains(ops.slot(i));
                    assertThat(ops.requestSize(i)).isBetween(16L, 1024L);
                }
                case PHASE_END -> {
                    assertThat(live).as("a phase ends with every block freed").isEmpty();
                    phases++;
                }
            }
        }
        assertThat(allocations).isEqualTo(20000);
        assertThat(phases).isEqualTo(6);   // after 3000, 6000, ..., 18000
        long[] counts = ops.countByKind();
        assertThat(counts[Operations.Kind.REALLOCATE.ordinal()]).isPositive();
    }
}
