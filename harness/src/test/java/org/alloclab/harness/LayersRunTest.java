package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.alloclab.api.Registry;
import org.alloclab.harness.config.ConfigurationException;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.MtraceReader;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers as a user puts them in a configuration: parsed with their parameters (and refused with the key's
 * path when wrong), wrapped around the strategy for every replay, fed the sites a trace recorded, and what
 * they found written into results.json and drawn in the report.
 */
class LayersRunTest {

    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));

    @TempDir
    Path dir;

    /** A program in mtrace form: two callers, one keeps its blocks, the other frees them. */
    private Path trace() throws IOException {
        var b = new StringBuilder("= Start\n");
        for (int i = 0; i < 200; i++) {
            long keep = 0x10000 + i * 0x100L;
            long tmp = 0x900000 + i * 0x100L;
            b.append("@ ./prog:(keeper+12)[0x401a2c] + 0x").append(Long.toHexString(keep)).append(" 0x40\n");
            b.append("@ ./prog:(churner+8)[0x401b00] + 0x").append(Long.toHexString(tmp)).append(" 0x20\n");
            b.append("@ ./prog:(churner+30)[0x401b16] - 0x").append(Long.toHexString(tmp)).append('\n');
        }
        b.append("= End\n");
        Path f = dir.resolve("prog.mtrace");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void theReaderKeepsEachAllocationsCaller() throws IOException {
        Operations ops = MtraceReader.read(trace(), "prog", 16);
        assertThat(ops.hasSites()).isTrue();
        assertThat(ops.site(0)).isEqualTo("./prog:(keeper+12)[0x401a2c]");
        assertThat(ops.site(1)).isEqualTo("./prog:(churner+8)[0x401b00]");
        assertThat(ops.site(2)).isNull();                   // frees keep no site
    }

    @Test
    void layersAreReadWithTheirParametersInnermostFirst() throws Exception {
        Path f = write("""
                alloclab {
                  layers = [free-check]
                  strategies = [
                    { name = dsmalloc, layers = [red-zones, { name = budget, bytes = 8MiB }] }
                    { name = glibc }
                  ]
                  workloads = [ { type = random, operations = 1000 } ]
                }
                """);
        Experiment e = loader.load(f);
        Experiment.StrategySpec ds = e.strategies().get(0);
        assertThat(ds.label()).isEqualTo("dsmalloc + red-zones + budget + free-check");
        assertThat(ds.layers()).extracting(l -> l.provider().name()).containsExactly("red-zones", "budget", "free-check");
        assertThat(ds.layers().get(1).parameters().bytes("bytes")).isEqualTo(8L << 20);
        assertThat(e.strategies().get(1).label()).isEqualTo("glibc + free-check");
    }

    @Test
    void anUnknownLayerOrParameterIsRefusedWithItsPath() throws Exception {
        Path unknown = write("alloclab.strategies = [ { name = dsmalloc, layers = [red-zone] } ]\n");
        assertThatThrownBy(() -> loader.load(unknown)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("unknown layer 'red-zone'").hasMessageContaining("red-zones");
        Path badValue = write("alloclab.strategies = [ { name = dsmalloc, layers = [{ name = red-zones, bytes = lots }] } ]\n");
        assertThatThrownBy(() -> loader.load(badValue)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("alloclab.strategies[0].layers[0]").hasMessageContaining("bytes");
        Path badKey = write("alloclab.layers = [{ name = poison, quarantine = 1MiB }]\n");
        assertThatThrownBy(() -> loader.load(badKey)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("alloclab.layers[0]").hasMessageContaining("quarantine");
        Path notAList = write("alloclab.layers = red-zones\n");
        assertThatThrownBy(() -> loader.load(notAList)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("must be a list of layers");
    }

    @Test
    void aRunWithLayersReportsSitesBudgetAndFragmentation() throws Exception {
        Path config = write("""
                alloclab {
                  warmup-runs = 0
                  virtual-memory.kind = simulated
                  strategies = [
                    { name = dsmalloc, layers = [sites, { name = fragmentation, every = 50 }, { name = budget, bytes = 1MiB }] }
                  ]
                  workloads = [ { type = trace, name = prog, file = "%s" } ]
                }
                """.formatted(trace().toString().replace("\\\\", "/")));
        Path out = dir.resolve("run");
        var err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "run", "--config", config.toString(), "--out",
                out.toString());
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();

        @SuppressWarnings("unchecked")
        Map<String, Object> run = ((List<Map<String, Object>>) new ObjectMapper().readValue(
                out.resolve("results.json").toFile(), Map.class).get("results")).get(0);
        assertThat(run.get("decorators")).isEqualTo(List.of("budget", "fragmentation", "sites"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> layers = (Map<String, Map<String, Object>>) run.get("layers");
        assertThat(layers.get("budget")).containsEntry("peak_used_bytes", 200 * 64 + 32).containsEntry("refusals", 0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byLive = (List<Map<String, Object>>) layers.get("sites").get("by_live");
        assertThat(byLive.get(0)).containsEntry("site", "./prog:(keeper+12)[0x401a2c]")
                .containsEntry("peak_live_bytes", 200 * 64).containsEntry("allocations", 200);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> byChurn = (List<Map<String, Object>>) layers.get("sites").get("by_churn");
        assertThat(byChurn.get(0)).containsEntry("site", "./prog:(churner+8)[0x401b00]")
                .containsEntry("freed_bytes", 200 * 32).containsEntry("freed", 200);
        assertThat((List<?>) layers.get("fragmentation").get("external")).hasSizeGreaterThanOrEqualTo(10);

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("Usage against budget", "Top sites by peak live bytes", "Top sites by churn",
                "Fragmentation over time", "./prog:(keeper+12)[0x401a2c]");
        assertThat(out.resolve("csv/budgets.csv")).exists();
    }

    @Test
    void aBudgetTooSmallForTheWorkloadMakesRefusalsNotErrors() throws Exception {
        Path config = write("""
                alloclab {
                  warmup-runs = 0
                  virtual-memory.kind = simulated
                  strategies = [ { name = linear, layers = [{ name = budget, bytes = 4KiB }] } ]
                  workloads = [ { type = random, operations = 2000, max-size = 1KiB } ]
                }
                """);
        Path out = dir.resolve("budget");
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "run", "--config",
                config.toString(), "--out", out.toString());
        assertThat(code).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> run = ((List<Map<String, Object>>) new ObjectMapper().readValue(
                out.resolve("results.json").toFile(), Map.class).get("results")).get(0);
        assertThat(((Number) run.get("failures")).longValue()).isPositive();
        @SuppressWarnings("unchecked")
        Map<String, Object> budget = ((Map<String, Map<String, Object>>) run.get("layers")).get("budget");
        assertThat(((Number) budget.get("refusals")).longValue()).isEqualTo(((Number) run.get("failures")).longValue());
        assertThat(((Number) budget.get("peak_used_bytes")).longValue()).isLessThanOrEqualTo(4096);
    }

    private Path write(String text) throws IOException {
        Path f = Files.createTempFile(dir, "layers", ".conf");
        Files.writeString(f, text);
        return f;
    }
}
