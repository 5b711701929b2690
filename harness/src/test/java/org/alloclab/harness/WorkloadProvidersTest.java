package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Registry;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;

class WorkloadProvidersTest {

    private static final List<String> SYNTHETIC = List.of("random", "frame-style", "request-scoped", "glibc-simple", "glibc-thread",
            "larson", "xmalloc");

    private final Registry<WorkloadProvider> workloads =
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader());

    @Test
    void everySyntheticWorkloadIsFoundByName() {
        assertThat(workloads.names()).containsAll(SYNTHETIC);
    }

    @Test
    void everySyntheticWorkloadDocumentsItsParametersAndRunsOnItsDefaults() {
        for (String name : SYNTHETIC) {
            WorkloadProvider w = workloads.get(name);
            assertThat(w.description()).as(name).isNotBlank();
            var names = new HashSet<String>();
            for (ParameterSpec spec : w.parameters()) {
                assertThat(spec.name()).as(name).matches("[a-z][a-z0-9]*(-[a-z0-9]+)*");
                assertThat(names.add(spec.name())).as(name + " declares " + spec.name() + " once").isTrue();
                assertThat(spec.description()).as(name + "." + spec.name()).isNotBlank();
            }
            var p = w.resolve(Map.of());
            var report = OperationsChecker.check(w.generate(name, p, 42));
            assertThat(report.allocations()).as(name).isBetween(50_000L, 1_000_000L);
        }
    }
}
