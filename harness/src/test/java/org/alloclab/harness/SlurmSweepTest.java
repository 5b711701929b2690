package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep on a real Slurm cluster ({@link SlurmCluster}, one node started here): {@code alloclab submit --slurm
 * --wait} plans the experiment, submits one array task per cell, waits and collects; the merged footprint
 * figures equal those of the same plan run on this machine; {@code collect} run again says every cell
 * finished; {@code --no-submit} writes the script alone. The submitting command runs as a user runs it, in a
 * process of its own with the cluster's {@code SLURM_CONF}.
 */
class SlurmSweepTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            alloclab {
              repetitions = 2
              virtual-memory.kind = [os, simulated]
              strategies = [ { name = dsmalloc }, { name = segregated-fit } ]
              workloads = [ { type = random, operations = 3000, phase-length = 1000 } ]
            }
            """;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aPlanSubmittedToSlurmGivesTheFootprintOfALocalRunOfTheSamePlan() throws Exception {
        Path config = Files.writeString(dir.resolve("sweep.conf"), CONFIG);
        Path onCluster = dir.resolve("cluster");
        try (SlurmCluster cluster = SlurmCluster.start(dir.resolve("slurm"))) {
            Result submitted = alloclab(cluster.environment(), "submit", "--slurm", "--config", config.toString(), "--out",
                    onCluster.toString(), "--throttle", "2", "--time", "00:05:00", "--wait");
            assertThat(submitted.code()).as(submitted.output() + cluster.logs()).isZero();
            assertThat(submitted.output()).contains("8 cells planned", "Submitted job", "8 of 8 cells finished");
            String script = Files.readString(onCluster.resolve("slurm/alloclab-cells.sh"));
            assertThat(script).contains("#SBATCH --time=00:05:00", "cell", onCluster.toString());

            Result collected = alloclab(cluster.environment(), "collect", onCluster.toString());
            assertThat(collected.code()).as(collected.output()).isZero();
            assertThat(collected.output()).contains("8 of 8 cells finished");
        }
        JsonNode slurm = new ObjectMapper().readTree(onCluster.resolve("results.json").toFile());
        assertThat(slurm.get("results")).hasSize(8).allSatisfy(r -> {
            assertThat(r.get("status").asText()).isEqualTo("ok");
            assertThat(r.get("slurm").get("job_id").asText()).matches("\\d+");
            assertThat(r.get("host").asText()).isNotBlank();
        });
        assertThat(Files.readString(onCluster.resolve("report.html"))).contains("dsmalloc", "segregated-fit");

        Path local = dir.resolve("local");
        var out = new ByteArrayOutputStream();
        assertThat(Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true,
                StandardCharsets.UTF_8), "run", "--config", config.toString(), "--out", local.toString(), "--in-process"))
                .as(out.toString(StandardCharsets.UTF_8)).isZero();
        JsonNode here = new ObjectMapper().readTree(local.resolve("results.json").toFile());
        Map<String, JsonNode> a = byCell(slurm);
        Map<String, JsonNode> b = byCell(here);
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String cell : a.keySet()) {
            for (String figure : List.of("events", "failures", "peak_live_bytes", "peak_committed_bytes",
                    "committed_end_bytes", "committed_after_free_all_bytes", "footprint_ratio")) {
                assertThat(a.get(cell).get(figure)).as("%s of %s", figure, cell).isEqualTo(b.get(cell).get(figure));
            }
        }
    }

    @Test
    void noSubmitWritesThePlanAndTheScriptForAPersonToSubmit() throws Exception {
        Path config = Files.writeString(dir.resolve("sweep.conf"), CONFIG);
        Path folder = dir.resolve("planned");
        var out = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true,
                StandardCharsets.UTF_8), "submit", "--slurm", "--no-submit", "--config", config.toString(), "--out",
                folder.toString(), "--partition", "batch", "--cpus-per-task", "2", "--throttle", "3", "--exclusive");
        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Not submitted", "sbatch --array=0-7%3",
                "alloclab collect");
        String script = Files.readString(folder.resolve("slurm/alloclab-cells.sh"));
        assertThat(script).startsWith("#!/bin/bash").contains("#SBATCH --partition=batch", "#SBATCH --cpus-per-task=2",
                "#SBATCH --exclusive", "SLURM_ARRAY_TASK_ID", "org.alloclab.harness.Main", " cell ");
        assertThat(folder.resolve("plan.json")).exists();
        assertThat(Files.list(folder.resolve("operations")).count()).as("the workload is made before submitting").isEqualTo(1);

        assertThat(Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true,
                StandardCharsets.UTF_8), "submit", "--slurm", "--no-submit", "--config", config.toString(), "--time", "90 min"))
                .isEqualTo(Main.BAD_INPUT);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--time", "90 min");
    }

    private static Map<String, JsonNode> byCell(JsonNode doc) {
        var m = new HashMap<String, JsonNode>();
        doc.get("results").forEach(r -> m.put(r.get("cell").asText(), r));
        return m;
    }

    private record Result(int code, String output) {
    }

    /** alloclab in a process of its own, as a user runs it, with {@code env} added to its environment. */
    private Result alloclab(Map<String, String> env, String... args) throws Exception {
        var cmd = new ArrayList<String>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).as(output).isTrue();
        return new Result(p.exitValue(), output);
    }
}
