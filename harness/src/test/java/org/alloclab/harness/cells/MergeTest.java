package org.alloclab.harness.cells;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Registry;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Schema;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.json made from the cells' files: every repetition, the summary, how the cells stand. */
class MergeTest {

    @TempDir
    Path dir;

    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));

    private static Map<String, Object> result(Cell c, double elapsedMs, long committed, long p99) {
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.CELL, c.id());
        m.put(Schema.REPETITION, c.repetition());
        m.put(Schema.STATUS, Schema.OK);
        m.put(Schema.STRATEGY, c.strategy());
        m.put(Schema.VIRTUAL_MEMORY, c.virtualMemory());
        m.put(Schema.WORKLOAD, c.workload());
        m.put(Schema.THREADS, c.threads());
        m.put(Schema.EVENTS, 1000);
        m.put(Schema.FAILURES, 0);
        m.put(Schema.PEAK_LIVE_BYTES, 1000);
        m.put(Schema.PEAK_COMMITTED_BYTES, committed);
        m.put(Schema.FOOTPRINT_RATIO, committed / 1000.0);
        m.put(Schema.IDEAL_FOOTPRINT_BYTES, 1200);
        m.put(Schema.IDEAL_RATIO, committed / 1200.0);
        m.put(Schema.ELAPSED_MS, elapsedMs);
        m.put(Schema.THROUGHPUT, Math.round(1000 / (elapsedMs / 1000)));
        m.put(Schema.LATENCY_NS, Map.of("allocate", Map.of(Schema.P50, 40, Schema.P99, p99)));
        m.put(Schema.HOST, "node-" + c.repetition());
        m.put(Schema.MEASURED_WITH_JOBS, 1);
        return m;
    }

    @Test
    void theSummaryGivesMediansIntervalsAndFlagsFootprintThatVaried() {
        Plan plan = Plan.of(loader.parse("""
                alloclab {
                  repetitions = 3
                  strategies = [ { name = dsmalloc }, { name = glibc } ]
                  workloads = [ { type = random, operations = 100 } ]
                }
                """, "test"), List.of(), Map.of());
        plan.write(dir);
        for (Cell c : plan.cells()) {
            double ms = 10 + c.repetition();
            long committed = c.strategy().equals("glibc") ? 2000 + 100 * c.repetition() : 1500;
            if (!(c.strategy().equals("glibc") && c.repetition() == 2)) {
                JsonFiles.write(CellRunner.resultFile(dir, c), result(c, ms, committed, 100 + c.repetition()));
            }
        }
        Merge.Status status = Merge.write(dir);
        assertThat(status.ok()).isEqualTo(5);
        assertThat(status.missing()).singleElement().satisfies(c -> assertThat(c.id()).isEqualTo("glibc--os--random--r2"));
        assertThat(status.describe()).isEqualTo("5 finished, 1 without a result of 6 cells");

        Map<String, Object> doc = JsonFiles.read(dir.resolve("results.json"));
        assertThat((List<?>) doc.get(Schema.RESULTS)).hasSize(5);
        assertThat(doc.get(Schema.CELL_COUNTS)).isEqualTo(Map.of("planned", 6, "ok", 5, "failed", 0, "crashed", 0,
                "timed_out", 0, "missing", 1));
        var summary = new ArrayList<Map<String, Object>>();
        ((List<?>) doc.get(Schema.SUMMARY)).forEach(o -> summary.add(cast(o)));
        assertThat(summary).hasSize(2);
        Map<String, Object> ds = summary.get(0);
        assertThat(ds.get(Schema.STRATEGY)).isEqualTo("dsmalloc");
        assertThat(ds.get(Schema.FINISHED)).isEqualTo(3);
        assertThat(cast(ds.get(Schema.ELAPSED_MS))).containsEntry(Schema.MEDIAN, 11.0).containsEntry(Schema.MIN, 10.0)
                .containsEntry(Schema.MAX, 12.0);
        assertThat((Double) cast(ds.get(Schema.ELAPSED_MS)).get(Schema.CI95_LOW)).isLessThan(11.0);
        assertThat(cast(cast(cast(ds.get(Schema.LATENCY_NS)).get("allocate")).get(Schema.P99))).containsEntry(Schema.MEDIAN, 101);
        assertThat(ds).containsEntry(Schema.PEAK_COMMITTED_BYTES, 1500).doesNotContainKey(Schema.VARYING);
        assertThat(ds).containsEntry(Schema.IDEAL_FOOTPRINT_BYTES, 1200).containsEntry(Schema.IDEAL_RATIO, 1.25);
        assertThat((List<?>) ds.get(Schema.HOSTS)).hasSize(3);
        assertThat(ds.get(Schema.CONTENDED)).isEqualTo(false);

        Map<String, Object> glibc = summary.get(1);
        assertThat(glibc.get(Schema.FINISHED)).isEqualTo(2);
        assertThat(glibc.get(Schema.REPETITIONS)).isEqualTo(3);
        assertThat(cast(cast(glibc.get(Schema.VARYING)).get(Schema.PEAK_COMMITTED_BYTES)))
                .containsEntry(Schema.MIN, 2000).containsEntry(Schema.MAX, 2100).containsEntry(Schema.MEDIAN, 2050);
        assertThat(glibc).containsEntry(Schema.IDEAL_FOOTPRINT_BYTES, 1200);
        assertThat(cast(cast(glibc.get(Schema.VARYING)).get(Schema.IDEAL_RATIO))).containsEntry(Schema.MEDIAN, 1.708);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
