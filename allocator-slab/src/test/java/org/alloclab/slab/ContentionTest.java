package org.alloclab.slab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.ContentionCheck;
import org.alloclab.vmem.OsVirtualMemory;
import org.alloclab.vmem.SimulatedVirtualMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both strategies under real contention: four threads on however many cores there are, a third of the
 * blocks freed by another thread, every byte of every block checked before it is freed, the books balanced
 * afterwards — on both virtual memories, with caches small enough that blocks travel through every layer.
 */
class ContentionTest {

    @ParameterizedTest(name = "{0} {1} on {2}")
    @CsvSource({
        "segregated-fit, 'batch-bytes=256,cache-bytes=512,transfer-bytes=2KiB', simulated",
        "segregated-fit, 'batch-bytes=256,cache-bytes=512,transfer-bytes=2KiB', os",
        "segregated-fit, 'thread-cache=false', simulated",
        "segregated-fit, 'thread-cache=false', os",
        "slab, 'magazine-bytes=256,depot-magazines=2', simulated",
        "slab, 'magazine-bytes=256,depot-magazines=2', os",
    })
    void fourThreadsWithRemoteFreesKeepEveryBlockIntact(String strategy, String params, String vmKind) throws Exception {
        Map<String, String> p = new java.util.HashMap<>();
        for (String kv : params.split(",")) {
            String[] parts = kv.split("=");
            p.put(parts[0], parts[1]);
        }
        try (VirtualMemory vm = vmKind.equals("os") ? new OsVirtualMemory()
                : new SimulatedVirtualMemory(4 * Sizes.KiB, Sizes.GiB, 64 * Sizes.GiB);
             Allocator a = Registry.strategies().get(strategy).create(p, vm)) {
            var outcome = new ContentionCheck(4, 8_000, 7).run(a);
            assertThat(outcome.allocations()).isGreaterThan(28_000);
            assertThat(outcome.remoteFrees()).isGreaterThan(4_000);
            assertThat(outcome.failedAllocations()).isZero();
        }
    }
}
