package org.alloclab.vmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.Map;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemoryProvider;
import org.junit.jupiter.api.Test;

class VirtualMemoryProvidersTest {

    private final Registry<VirtualMemoryProvider> registry = Registry.virtualMemories();

    @Test
    void bothAreFoundByName() {
        assertThat(registry.names()).contains("os", "simulated");
        assertThat(registry.get("os")).isInstanceOf(OsVirtualMemoryProvider.class);
        assertThat(registry.get("simulated")).isInstanceOf(SimulatedVirtualMemoryProvider.class);
        assertThat(registry.get("os").description()).isNotBlank();
        assertThat(registry.get("simulated").description()).isNotBlank();
    }

    @Test
    void theSimulatedDefaultsAreTheDocumentedOnes() {
        assertThat(registry.get("simulated").parameters())
                .extracting(ParameterSpec::name, ParameterSpec::defaultValue)
                .containsExactly(
                        tuple("page-size", "4KiB"),
                        tuple("budget", "1GiB"),
                        tuple("address-space", "64GiB"),
                        tuple("fail-reserve-at", "0"),
                        tuple("fail-commit-at", "0"), tuple("commit-cache", "0"));
        try (var vm = (SimulatedVirtualMemory) registry.get("simulated").create(Map.of())) {
            assertThat(vm.kind()).isEqualTo("simulated");
            assertThat(vm.pageSize()).isEqualTo(4 * Sizes.KiB);
            assertThat(vm.budget()).isEqualTo(Sizes.GiB);
            assertThat(vm.addressSpace()).isEqualTo(64 * Sizes.GiB);
        }
    }

    @Test
    void theSimulatedParametersReachTheVirtualMemory() {
        try (var vm = (SimulatedVirtualMemory) registry.get("simulated").create(Map.of(
                "page-size", "256", "budget", "1KiB", "address-space", "1MiB", "fail-commit-at", 1))) {
            assertThat(vm.pageSize()).isEqualTo(256);
            assertThat(vm.budget()).isEqualTo(Sizes.KiB);
            assertThat(vm.addressSpace()).isEqualTo(Sizes.MiB);
            long a = vm.reserve(2 * Sizes.KiB).address();
            assertThat(vm.commit(a, 256)).as("injected").isFalse();
            assertThat(vm.commit(a, Sizes.KiB)).isTrue();
            assertThat(vm.commit(a + Sizes.KiB, 256)).as("over budget").isFalse();
        }
    }

    @Test
    void theOsDefaultsAreTheOsPageUnlessChecksAreOn() {
        assertThat(registry.get("os").parameters())
                .extracting(ParameterSpec::name).containsExactly("granularity", "checked", "huge-pages", "commit-cache");
        try (var vm = (OsVirtualMemory) registry.get("os").create(Map.of())) {
            assertThat(vm.kind()).isEqualTo("os");
            assertThat(vm.pageSize()).isEqualTo(OsVirtualMemory.osPageSize());
            assertThat(vm.checked()).isEqualTo(OsVirtualMemory.CHECKS);
        }
        try (var vm = (OsVirtualMemory) registry.get("os").create(Map.of("granularity", "64KiB", "checked", true))) {
            assertThat(vm.pageSize()).isEqualTo(64 * Sizes.KiB);
            assertThat(vm.checked()).isTrue();
        }
    }

    @Test
    void unknownParametersAreRejectedByName() {
        assertThatThrownBy(() -> registry.get("simulated").create(Map.of("pagesize", "4KiB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'pagesize'").hasMessageContaining("page-size");
        assertThatThrownBy(() -> registry.get("os").create(Map.of("budget", "1GiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'budget'");
        assertThatThrownBy(() -> registry.get("mmap"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("os, simulated");
    }

    @Test
    void invalidValuesAreRejectedNamingTheParameter() {
        var simulated = registry.get("simulated");
        assertThatThrownBy(() -> simulated.create(Map.of("page-size", "100")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'page-size' = 100");
        assertThatThrownBy(() -> simulated.create(Map.of("address-space", "1000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'address-space' = 1000");
        assertThatThrownBy(() -> simulated.create(Map.of("address-space", "128TiB")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'address-space'");
        assertThatThrownBy(() -> simulated.create(Map.of("fail-commit-at", "-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'fail-commit-at'");
        assertThatThrownBy(() -> registry.get("os").create(Map.of("granularity", "3000")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'granularity' = 3000");
        assertThatThrownBy(() -> registry.get("os").create(Map.of("checked", "maybe")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'checked'");
    }
}
