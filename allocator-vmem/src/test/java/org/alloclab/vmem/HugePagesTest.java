package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.alloclab.api.Region;
import org.alloclab.api.Sizes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** huge-pages: regions are aligned to 2 MiB and advised, and where the kernel allows, backed by huge pages. */
class HugePagesTest {

    @Test
    void aTouchedRegionIsBackedByHugePagesWhereTheKernelAllowsThem() throws Exception {
        Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        Assumptions.assumeTrue(Files.exists(setting) && !Files.readString(setting).contains("[never]"),
                "transparent huge pages are off on this kernel: nothing to see");
        try (var vm = (OsVirtualMemory) new OsVirtualMemoryProvider().create(Map.of("huge-pages", "true"))) {
            Region r = vm.reserve(16 * Sizes.MiB);
            assertThat(r.address() % OsVirtualMemory.HUGE_PAGE).isZero();
            assertThat(vm.commit(r.address(), r.bytes())).isTrue();
            vm.memory().fill(r.address(), r.bytes(), (byte) 1);
            assertThat(vm.counters()).containsEntry("huge_page_regions_advised", 1L);
            long huge = OsVirtualMemory.hugePageBytes(r);
            // the kernel decides; with THP on it backs most of a 16 MiB touched region at once
            assertThat(huge).as("AnonHugePages of the region").isPositive();
        }
    }

    @Test
    void withoutTheOptionRegionsAreOrdinary() {
        try (var vm = new OsVirtualMemory()) {
            Region r = vm.reserve(16 * Sizes.MiB);
            vm.commit(r.address(), r.bytes());
            vm.memory().fill(r.address(), r.bytes(), (byte) 1);
            assertThat(vm.counters()).isEmpty();
            assertThat(OsVirtualMemory.hugePageBytes(r)).isZero();
        }
    }
}
