package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user runs it: output, files written and exit codes. */
class MainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listShowsEveryStrategyWithItsParametersAndDefaults() {
        assertThat(run("list")).isZero();
        assertThat(out()).contains("linear.vm", "reserve", "1GiB", "commit-step", "slack")
                .contains("linear —", "capacity", "64MiB")
                .contains("simulated", "budget", "os", "granularity")
                .contains("random", "mean-lifetime")
                .contains("tcmalloc", "mimalloc")
                .contains("test.unavailable", "UNAVAILABLE here: " + UnavailableProvider.WHY);
    }

    @Test
    void runMeasuresEveryCellInAJvmOfItsOwnAndWritesRepetitionsWithTheirSummary() throws Exception {
        Path config = dir.resolve("small.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 2
                  virtual-memory.kind = [simulated, os]
                  strategies = [ { name = linear.vm }, { name = linear, parameters { capacity = 16MiB } } ]
                  workloads = [ { type = random, operations = 3000, phase-length = 1000 } ]
                }
                """);
        Path results = dir.resolve("out");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString())).as(err()).isZero();
        assertThat(out()).contains("footprint", "linear.vm", "simulated", "Results:", "8 cells", "a JVM per cell", "95% CI");

        JsonNode doc = new ObjectMapper().readTree(results.resolve("results.json").toFile());
        assertThat(doc.get("seed").asLong()).isEqualTo(42);
        assertThat(doc.get("repetitions").asInt()).isEqualTo(2);
        assertThat(doc.get("command").toString()).contains("--config");
        assertThat(doc.get("environment").get("cpu_count").asInt()).isPositive();
        JsonNode runs = doc.get("results");
        assertThat(runs).hasSize(8);
        var pids = new java.util.HashSet<Long>();
        for (JsonNode r : runs) {
            for (String field : List.of("strategy", "workload", "events", "failures", "peak_live_bytes",
                    "peak_committed_bytes", "footprint_ratio", "ideal_footprint_bytes", "ideal_ratio", "latency_ns",
                    "repetition", "cell", "pid", "jvm_flags", "host")) {
                assertThat(r.has(field)).as("%s in %s", field, r).isTrue();
            }
            assertThat(r.get("status").asText()).isEqualTo("ok");
            assertThat(r.get("pid").asLong()).as("measured in a JVM of its own").isNotEqualTo(ProcessHandle.current().pid());
            pids.add(r.get("pid").asLong());
            assertThat(r.get("jvm_flags").toString()).contains("--enable-native-access");
            assertThat(r.get("failures").asLong()).isZero();
            assertThat(r.get("peak_committed_bytes").asLong()).isGreaterThanOrEqualTo(r.get("peak_live_bytes").asLong());
            assertThat(r.get("footprint_ratio").asDouble()).isGreaterThanOrEqualTo(1.0);
            // the ideal: live blocks rounded up to their 16-byte alignment, at their peak; nobody holds less
            assertThat(r.get("ideal_footprint_bytes").asLong()).isGreaterThanOrEqualTo(r.get("peak_live_bytes").asLong())
                    .isLessThanOrEqualTo(r.get("peak_committed_bytes").asLong());
            assertThat(r.get("ideal_ratio").asDouble()).isGreaterThanOrEqualTo(1.0);
            JsonNode allocate = r.get("latency_ns").get("allocate");
            for (String p : List.of("p50", "p90", "p99", "p999", "max")) {
                assertThat(allocate.get(p).asLong()).as(p).isPositive();
            }
            assertThat(allocate.get("p50").asLong()).isLessThanOrEqualTo(allocate.get("p99").asLong());
            assertThat(r.get("latency_ns").has("reset")).as("bump allocators are reset at phase ends").isTrue();
        }
        assertThat(pids).as("every cell in a JVM of its own").hasSize(8);
        assertThat(runs.findValuesAsText("repetition")).containsOnly("0", "1");

        JsonNode summary = doc.get("summary");
        assertThat(summary).hasSize(4);
        for (JsonNode s : summary) {
            assertThat(s.get("finished").asInt()).isEqualTo(2);
            assertThat(s.get("cells")).hasSize(2);
            for (String figure : List.of("elapsed_ms", "throughput_ops_per_s")) {
                JsonNode f = s.get(figure);
                assertThat(f.get("ci95_low").asDouble()).as(figure).isPositive()
                        .isLessThanOrEqualTo(f.get("median").asDouble());
                assertThat(f.get("ci95_high").asDouble()).as(figure).isGreaterThanOrEqualTo(f.get("median").asDouble());
            }
            assertThat(s.get("latency_ns").get("allocate").get("p99").get("median").asLong()).isPositive();
            assertThat(s.has("varying")).as("alloclab's strategies repeat their footprint exactly: %s", s).isFalse();
            assertThat(s.get("ideal_footprint_bytes").asLong()).as("the same floor in every repetition: %s", s)
                    .isEqualTo(runs.get(0).get("ideal_footprint_bytes").asLong());
            assertThat(s.get("ideal_ratio").asDouble()).isGreaterThanOrEqualTo(1.0);
        }
        // linear commits its whole buffer up front; linear.vm only what it has used
        Map<String, Long> committed = new java.util.HashMap<>();
        summary.forEach(r -> committed.put(r.get("strategy").asText() + "/" + r.get("virtual_memory").asText(),
                r.get("peak_committed_bytes").asLong()));
        assertThat(committed.get("linear/simulated")).isEqualTo(16L << 20);
        assertThat(committed.get("linear.vm/simulated")).isLessThan(16L << 20);
        assertThat(Files.readString(results.resolve("report.html"))).contains("Mops/s");
    }

    @Test
    void planPrintsEveryCellInTheOrderTheyRunWithItsId() throws Exception {
        Path config = dir.resolve("plan.conf");
        Files.writeString(config, """
                alloclab {
                  strategies = [ { name = dsmalloc }, { name = glibc } ]
                  workloads = [ { type = random, operations = 1000 }, { type = frame-style, frames = 10 } ]
                }
                """);
        assertThat(run("plan", "--config", config.toString())).as(err()).isZero();
        assertThat(out()).contains("#  id", "glibc--os--frame-style--r2", "dsmalloc--os--random--r0",
                "12 cells: 2 strategies × 1 virtual memory × 2 workloads × 1 thread count × 3 repetitions",
                "each in a JVM of its own, at most 10 min per cell");
        assertThat(out().lines().filter(l -> l.matches("\\s*\\d+  \\S+--r\\d .*")).count()).isEqualTo(12);
        out.reset();
        assertThat(run("plan", "--config", config.toString(), "--repetitions", "1", "--in-process")).isZero();
        assertThat(out()).contains("4 cells", "all in one JVM");
    }

    @Test
    void anOutputFolderThatHoldsAnExperimentIsRefusedAndResumeSaysWhatItCannotChange() throws Exception {
        Path config = dir.resolve("tiny.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  fork = false
                  strategies = [ { name = linear.vm } ]
                  workloads = [ { type = random, operations = 500 } ]
                }
                """);
        Path results = dir.resolve("out");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString())).as(err()).isZero();
        assertThat(out()).contains("every cell in this JVM");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err()).contains(results.toString(), "already holds", "--resume");
        assertThat(run("run", "--resume", results.toString(), "--repetitions", "2")).isEqualTo(Main.BAD_INPUT);
        assertThat(err()).contains("--resume DIR runs the experiment DIR planned");
        out.reset();
        assertThat(run("run", "--resume", results.toString())).isZero();
        assertThat(out()).contains("0 of 1 cells to run");
    }

    @Test
    void aCellOfAPlannedExperimentRunsAloneAsASlurmTaskRunsIt() throws Exception {
        Path config = dir.resolve("cells.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 2
                  strategies = [ { name = segregated-fit } ]
                  workloads = [ { type = random, operations = 500 } ]
                }
                """);
        Path planned = dir.resolve("planned");
        assertThat(run("submit", "--slurm", "--no-submit", "--config", config.toString(), "--out", planned.toString()))
                .as(err()).isZero();
        assertThat(run("cell", planned.toString(), "1")).as(err() + out()).isZero();
        assertThat(run("cell", planned.toString(), "segregated-fit--os--random--r0", "--in-process")).as(err()).isZero();
        assertThat(out()).contains("segregated-fit--os--random--r0: ", " ms, pid " + ProcessHandle.current().pid());
        assertThat(run("cell", planned.toString(), "7")).isEqualTo(Main.BAD_INPUT);
        assertThat(err()).contains("no cell 7");
        out.reset();
        assertThat(run("collect", planned.toString())).as(out()).isZero();
        assertThat(out()).contains("2 of 2 cells finished");
        JsonNode doc = new ObjectMapper().readTree(planned.resolve("results.json").toFile());
        assertThat(doc.get("results").get(0).get("pid").asLong()).isNotEqualTo(doc.get("results").get(1).get("pid").asLong());
    }

    @Test
    void cellsRunAtOnceAreMarkedContendedInResultsAndReport() throws Exception {
        Path config = dir.resolve("jobs.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 2
                  virtual-memory.kind = simulated
                  strategies = [ { name = linear.vm } ]
                  workloads = [ { type = random, operations = 1000 } ]
                }
                """);
        Path results = dir.resolve("out");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString(), "--jobs", "2")).as(err()).isZero();
        assertThat(out()).contains("2 at once (timings contended)");
        JsonNode doc = new ObjectMapper().readTree(results.resolve("results.json").toFile());
        doc.get("results").forEach(r -> assertThat(r.get("jobs").asInt()).isEqualTo(2));
        assertThat(doc.get("summary").get(0).get("contended").asBoolean()).isTrue();
        assertThat(Files.readString(results.resolve("report.html"))).contains("Read this first", "contended");
        assertThat(run("run", "--config", config.toString(), "--out", dir.resolve("o2").toString(), "--jobs", "2",
                "--in-process")).isEqualTo(Main.BAD_INPUT);
        assertThat(err()).contains("--jobs 2 runs cells in JVMs of their own");
    }

    @Test
    void aConfigurationErrorIsBadInputWithFileAndLine() throws Exception {
        Path config = dir.resolve("bad.conf");
        Files.writeString(config, "alloclab {\n  strategies = [ { name = linear, paramters { } } ]\n}\n");
        assertThat(run("run", "--config", config.toString(), "--out", dir.resolve("o").toString())).isEqualTo(2);
        assertThat(err()).contains("bad.conf:2", "unknown key 'alloclab.strategies[0].paramters'");
    }

    @Test
    void aMissingConfigurationFileIsBadInput() {
        assertThat(run("run", "--config", dir.resolve("nope.conf").toString())).isEqualTo(2);
        assertThat(err()).contains("nope.conf", "does not exist");
    }

    @Test
    void aBadHeapMapMomentOfReplayIsNamedByItsOption() {
        assertThat(run("replay", dir.resolve("any.mtrace").toString(), "--strategy", "linear", "--heap-map", "nope"))
                .isEqualTo(2);
        assertThat(err()).contains("alloclab: error: --heap-map must be peak, off, or a fraction of the operations in"
                + " (0, 1], was 'nope'");
    }

    @Test
    void aRunStartedOutsideTheCheckoutRecordsAlloclabsOwnCommitAndARerunThatWorksFromAnywhere() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));        // a temporary folder: no checkout
        Files.writeString(elsewhere.resolve("small.conf"), """
                alloclab {
                  warmup-runs = 0
                  repetitions = 1
                  strategies = [ { name = linear.vm } ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """);
        var command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--config", "small.conf", "--out", "results", "--in-process");
        Process p = new ProcessBuilder(command).directory(elsewhere.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();

        String checkout = git("rev-parse", "--show-toplevel");                  // the tests run inside the checkout
        String head = git("rev-parse", "HEAD");
        JsonNode results = new ObjectMapper().readTree(elsewhere.resolve("results/results.json").toFile());
        assertThat(results.get("environment").get("git_commit").asText()).startsWith(head);
        assertThat(results.get("environment").get("alloclab_home").asText()).isEqualTo(checkout);
        assertThat(results.get("working_directory").asText()).isEqualTo(elsewhere.toRealPath().toString());
        assertThat(Files.readString(elsewhere.resolve("results/report.md"))).contains(
                "cd " + checkout + " && git checkout " + head,
                "cd " + elsewhere.toRealPath() + "\n",
                checkout + "/alloclab run --config small.conf --out results --in-process\n");
    }

    private static String git(String... args) throws Exception {
        var command = new java.util.ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void anUnknownCommandOrOptionIsBadInput() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err()).contains("frobnicate");
        assertThat(run("run", "--confg", "x")).isEqualTo(2);
        assertThat(err()).contains("--confg");
    }

    @Test
    void aStrategyWhoseParametersItRefusesStopsTheExperimentBeforeAnyCellRuns() throws Exception {
        Path config = dir.resolve("bad-parameters.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  virtual-memory.kind = simulated
                  strategies = [ { name = linear.vm }, { name = buddy, parameters { min-order = 12, max-order = 8 } } ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """);
        Path results = dir.resolve("bad-parameters");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString(), "--in-process")).isEqualTo(2);
        assertThat(err()).contains("strategy 'buddy' on simulated cannot be created with its parameters, so nothing was run")
                .contains("order");
        try (var cells = Files.list(results.resolve("cells"))) {
            assertThat(cells.filter(f -> f.toString().endsWith(".json")).toList()).as("no cell ran").isEmpty();
        } catch (java.nio.file.NoSuchFileException none) {
            // no cell folder at all: nothing ran
        }
    }

    /** A folder the experiment cannot write into: a file stands where its {@code name} folder goes. */
    private Path blocked(String folder, String name) throws Exception {
        Path out = Files.createDirectories(dir.resolve(folder));
        Files.writeString(out.resolve(name), "a file where a folder goes");
        return out;
    }

    private Path smallConfig() throws Exception {
        Path config = dir.resolve("tiny.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  warmup-runs = 0
                  strategies = [ { name = linear.vm } ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """);
        return config;
    }

    @Test
    void aFolderThatCannotBeWrittenGivesOneLineAndLeavesNothingHalfWritten() throws Exception {
        Path out = blocked("unwritable", "cells");
        assertThat(run("run", "--config", smallConfig().toString(), "--out", out.toString(), "--in-process"))
                .isEqualTo(Main.FAILED);
        assertThat(err()).contains("alloclab: failed: cannot").contains("Not a directory").contains("nothing half-written was left behind")
                .doesNotContain("\tat org.");
        try (var files = Files.walk(out)) {
            assertThat(files.filter(f -> f.getFileName().toString().contains(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void aReportThatCannotBeWrittenFailsTheRun() throws Exception {
        Path out = blocked("no-report", "charts");
        assertThat(run("run", "--config", smallConfig().toString(), "--out", out.toString(), "--in-process"))
                .isEqualTo(Main.FAILED);
        assertThat(out()).contains("The report could not be written").contains("alloclab report " + out);
        assertThat(out.resolve("results.json")).exists();
        try (var files = Files.walk(out)) {
            assertThat(files.filter(f -> f.getFileName().toString().contains(".tmp")).toList()).isEmpty();
        }
    }

    @Test
    void aTraceThatIsMissingOrMalformedStopsTheExperimentBeforeAnyCellRuns() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.mtrace"), "= Start\n+ 0x10 0x20\n+ 0x30 zz\n");
        for (String file : List.of(dir.resolve("missing.mtrace.gz").toString(), bad.toString())) {
            Path config = dir.resolve("traces.conf");
            Files.writeString(config, """
                    alloclab {
                      repetitions = 1
                      strategies = [ { name = linear.vm } ]
                      workloads = [ { type = random, operations = 2000 }, { type = trace, name = t, file = "%s" } ]
                    }
                    """.formatted(file));
            Path results = dir.resolve("traces-" + Math.abs(file.hashCode()));
            assertThat(run("run", "--config", config.toString(), "--out", results.toString(), "--in-process"))
                    .isEqualTo(Main.BAD_INPUT);
            assertThat(results.resolve("cells")).doesNotExist();
        }
        assertThat(err()).contains("missing.mtrace.gz does not exist").contains("bad.mtrace:3:");
    }
}
