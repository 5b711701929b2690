package org.alloclab.harness.cells;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.alloclab.api.Registry;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An experiment expanded into cells: their ids, their order, their slices, the file they are kept in. */
class PlanTest {

    @TempDir
    Path dir;

    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));

    private static final String CONFIG = """
            alloclab {
              repetitions = 3
              threads = [1, 2]
              virtual-memory { kind = [os, simulated], simulated { page-size = [4KiB, 64KiB] } }
              strategies = [ { name = dsmalloc, layers = [red-zones] }, { name = linear.vm, parameters { slack = [0, 1MiB] } } ]
              workloads = [ { type = random, operations = 1000 }, { type = larson, rounds = 2, replacements = 100 } ]
            }
            """;

    @Test
    void everyCombinationAndRepetitionIsACellWithAStableUniqueId() {
        Experiment e = loader.parse(CONFIG, "test");
        Plan plan = Plan.of(e, List.of("test"), Map.of());
        // 3 strategies (one swept twice) × 3 virtual memories × 2 workloads × 2 thread counts × 3 repetitions
        assertThat(plan.cells()).hasSize(3 * 3 * 2 * 2 * 3);
        assertThat(plan.cells().stream().map(Cell::id).collect(Collectors.toSet())).hasSize(plan.cells().size());
        assertThat(plan.cells()).extracting(Cell::id).contains("dsmalloc_red-zones--os--random--r0",
                "linear.vm_slack_1MiB--simulated_page-size_64KiB--larson--t2--r2");
        Plan again = Plan.of(loader.parse(CONFIG, "test"), List.of("other"), Map.of());
        assertThat(again.cells()).extracting(Cell::id).containsExactlyElementsOf(plan.cells().stream().map(Cell::id).toList());
        assertThat(again.runOrder()).extracting(Cell::id).as("the same seed, the same order")
                .containsExactlyElementsOf(plan.runOrder().stream().map(Cell::id).toList());
    }

    @Test
    void cellsRunInASeededShuffleOfAllRepetitions() {
        Plan plan = Plan.of(loader.parse(CONFIG, "test"), List.of(), Map.of());
        List<Cell> order = plan.runOrder();
        assertThat(order).extracting(Cell::index).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, order.size()).boxed().toList());
        assertThat(order.subList(0, 20)).extracting(Cell::repetition).as("repetitions are mixed, not run in blocks")
                .contains(0, 1, 2);
        assertThat(order).extracting(Cell::id).isNotEqualTo(plan.cells().stream().map(Cell::id).toList());
        Plan otherSeed = Plan.of(loader.parse(CONFIG.replace("repetitions = 3", "repetitions = 3\n seed = 7"), "t"),
                List.of(), Map.of());
        assertThat(otherSeed.runOrder()).extracting(Cell::id).isNotEqualTo(order.stream().map(Cell::id).toList());
    }

    @Test
    void aCellsSliceIsAConfigurationOfExactlyItsStrategyMemoryWorkloadAndThreads() {
        Plan plan = Plan.of(loader.parse(CONFIG, "test"), List.of(), Map.of());
        Cell cell = plan.cell("linear.vm_slack_1MiB--simulated_page-size_64KiB--larson--t2--r1");
        Experiment slice = loader.parse(cell.configurationText(), "slice");
        assertThat(slice.strategies()).singleElement().satisfies(s -> {
            assertThat(s.label()).isEqualTo("linear.vm slack=1MiB");
            assertThat(s.parameters().bytes("slack")).isEqualTo(1L << 20);
        });
        assertThat(slice.virtualMemories()).singleElement().satisfies(v ->
                assertThat(v.parameters().bytes("page-size")).isEqualTo(64L << 10));
        assertThat(slice.workloads()).singleElement().satisfies(w -> {
            assertThat(w.name()).isEqualTo("larson");
            assertThat(w.seed()).as("the slice's workload has the experiment's seed for it").isEqualTo(cell.seed());
        });
        assertThat(slice.threads()).containsExactly(2);
        assertThat(slice.execution().repetitions()).isEqualTo(1);
        Cell layered = plan.cell("dsmalloc_red-zones--os--random--r0");
        assertThat(loader.parse(layered.configurationText(), "slice").strategies().getFirst().layers()).hasSize(1);
    }

    @Test
    void aPlanIsWrittenAndReadBackWithItsCellsNamedByIdOrPlace() {
        Plan plan = Plan.of(loader.parse(CONFIG, "test"), List.of("alloclab", "run"), Map.of("host", "here"));
        plan.write(dir);
        Plan read = Plan.read(dir);
        assertThat(read.cells()).isEqualTo(plan.cells());
        assertThat(read.header()).containsEntry("repetitions", 3).containsEntry("command", List.of("alloclab", "run"));
        Cell third = read.runOrder().get(3);
        assertThat(read.cell("3")).isEqualTo(third);
        assertThat(read.cell(third.id())).isEqualTo(third);
        assertThatThrownBy(() -> read.cell("9999")).hasMessageContaining("numbered 0 to " + (plan.cells().size() - 1));
        assertThatThrownBy(() -> read.cell("nope")).hasMessageContaining("no cell 'nope'", "alloclab plan");
        assertThatThrownBy(() -> Plan.read(dir.resolve("elsewhere"))).hasMessageContaining("holds no plan.json");
    }

    @Test
    void aWorkloadsSeedComesFromItsDefinitionNotItsPlaceInTheList() {
        long alone = loader.parse("alloclab.workloads = [ { type = random, operations = 1000 } ]", "a").workloads()
                .getFirst().seed();
        var two = loader.parse("alloclab.workloads = [ { type = larson }, { type = random, operations = 1000 } ]", "b")
                .workloads();
        assertThat(two.get(1).seed()).isEqualTo(alone);
        assertThat(two.get(0).seed()).isNotEqualTo(alone);
        long renamed = loader.parse("alloclab.workloads = [ { type = random, name = churn, operations = 1000 } ]", "c")
                .workloads().getFirst().seed();
        assertThat(renamed).as("a name is not part of what is generated").isEqualTo(alone);
        long otherSeed = loader.parse("alloclab { seed = 5, workloads = [ { type = random, operations = 1000 } ] }", "d")
                .workloads().getFirst().seed();
        assertThat(otherSeed).isNotEqualTo(alone);
        assertThat(Set.of(alone, otherSeed, two.get(0).seed())).hasSize(3);
    }
}
