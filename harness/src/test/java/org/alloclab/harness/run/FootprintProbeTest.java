package org.alloclab.harness.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.junit.jupiter.api.Test;

/** Residency probes that cost much are spaced out, and say so; committed bytes are always read. */
class FootprintProbeTest {

    /** A virtual memory of kind os whose residency probe takes 10 ms, counting its calls. */
    private static VirtualMemory slowResidency(VirtualMemory inner, AtomicInteger calls) {
        return (VirtualMemory) Proxy.newProxyInstance(VirtualMemory.class.getClassLoader(), new Class<?>[] {VirtualMemory.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "kind" -> {
                            return "os";
                        }
                        case "residentBytes" -> {
                            calls.incrementAndGet();
                            Thread.sleep(10);
                            return 4096L;
                        }
                        default -> {
                            try {
                                return method.invoke(inner, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    @Test
    void aCostlyResidencyProbeSpacesOutTheNextOnesAndCountsThem() {
        var calls = new AtomicInteger();
        try (VirtualMemory simulated = Registry.virtualMemories().get("simulated").create(Map.of())) {
            VirtualMemory vm = slowResidency(simulated, calls);
            try (Allocator a = Registry.strategies().get("linear.vm").create(Map.of("reserve", "8MiB"), vm)) {
                var probe = new FootprintProbe(a, vm);
                assertThat(probe.resident()).isEqualTo(4096);      // the first probe asks, and takes 10 ms
                for (int i = 0; i < 20; i++) {                    // the next 500 ms: none asked
                    assertThat(probe.resident()).isEqualTo(FootprintProbe.UNKNOWN);
                    assertThat(probe.committed()).isNotNegative();
                }
                assertThat(calls).hasValue(1);
                assertThat(probe.skipped()).isEqualTo(20);
                assertThat(probe.residentNow()).as("the end-of-run figures always ask").isEqualTo(4096);
                assertThat(calls).hasValue(2);
                assertThat(probe.probes()).isEqualTo(2);
                assertThat(probe.probeMillis()).isGreaterThanOrEqualTo(10);
            }
        }
    }

    @Test
    void aCheapProbeAsksEveryTime() {
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             Allocator a = Registry.strategies().get("linear.vm").create(Map.of("reserve", "8MiB"), vm)) {
            var probe = new FootprintProbe(a, vm);
            for (int i = 0; i < 50; i++) {
                assertThat(probe.resident()).isNotEqualTo(FootprintProbe.UNKNOWN);
            }
            assertThat(probe.skipped()).isZero();
            assertThat(probe.probes()).isEqualTo(50);
        }
    }
}
