package org.alloclab.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Map;
import java.util.SplittableRandom;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.Test;

/** A heap snapshot agrees with the strategy and the virtual memory it was taken from, and survives JSON. */
class HeapSnapshotTest {

    @Test
    void spansAreasAndCommittedPagesAgreeWithDsmallocOverSimulatedMemory() {
        VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
        try (vm; Allocator a = Registry.strategies().get("dsmalloc").create(Map.of(), vm)) {
            var random = new SplittableRandom(3);
            var live = new ArrayList<Long>();
            long liveBytes = 0;
            for (int i = 0; i < 5000; i++) {
                if (!live.isEmpty() && random.nextInt(3) == 0) {
                    a.free(live.remove(random.nextInt(live.size())));
                } else {
                    live.add(a.allocate(1 + random.nextInt(70_000)));
                }
            }
            HeapSnapshot s = HeapSnapshot.take(a, vm, 5000, 123);
            assertThat(s).isNotNull();
            int allocated = 0;
            for (int i = 0; i < s.spanAddress().length; i++) {
                if (i > 0) {
                    assertThat(s.spanAddress()[i]).isGreaterThanOrEqualTo(s.spanAddress()[i - 1] + s.spanBytes()[i - 1]);
                }
                if (s.spanAllocated()[i] == 1) {
                    allocated++;
                    assertThat(s.committedAt(s.spanAddress()[i])).as("a live block's page is committed").isTrue();
                }
            }
            assertThat(allocated).isEqualTo(live.size());
            long committed = 0;
            for (int i = 0; i < s.committed().length; i += 2) {
                committed += s.committed()[i + 1] - s.committed()[i];
            }
            assertThat(committed).isEqualTo(vm.stats().committedBytes());
            assertThat(HeapSnapshot.fromMap(roundTrip(s.toMap()))).isEqualTo(s);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> roundTrip(Map<String, Object> m) {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            return json.readValue(json.writeValueAsString(m), Map.class);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStrategyThatCannotWalkOrOwnsItsMemoryIsNotSeen() {
        VirtualMemory vm = Registry.virtualMemories().get("os").create(Map.of());
        try (vm; Allocator glibc = Registry.strategies().get("glibc").create(Map.of(), vm)) {
            glibc.allocate(100);
            assertThat(HeapSnapshot.take(glibc, vm, 1, 100)).isNull();
        }
    }
}
