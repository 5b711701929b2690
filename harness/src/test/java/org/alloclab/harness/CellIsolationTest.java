package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every cell measured alone, and what that buys: a cell whose JVM is killed, one that runs past its time limit
 * and one that runs its JVM out of memory are recorded as {@code crashed} or {@code timed_out} with their
 * reason while the others finish; the report lists them; {@code run --resume} runs only what did not finish;
 * and a parent killed with {@code kill -9} leaves every finished cell, which {@code report} renders. The
 * misbehaving strategy is {@code test.stalling} ({@link StallingProvider}).
 */
class CellIsolationTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private static JsonNode read(Path folder) throws Exception {
        return new ObjectMapper().readTree(folder.resolve("results.json").toFile());
    }

    private static Map<String, JsonNode> byStrategy(JsonNode doc) {
        var m = new HashMap<String, JsonNode>();
        doc.get("results").forEach(r -> m.put(r.get("strategy").asText(), r));
        return m;
    }

    /** The JVM measuring cell {@code id}, started by this process, once it runs. */
    private static Optional<ProcessHandle> cellJvm(String id) {
        return ProcessHandle.current().descendants().filter(p -> commandLine(p).contains(id)).findFirst();
    }

    /**
     * A process's command line from {@code /proc} (its {@code info().arguments()} is empty when the command line is
     * longer than a page, as a test's class path makes it).
     */
    static List<String> commandLine(ProcessHandle p) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline")),
                    StandardCharsets.UTF_8).split("\u0000"));
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static ProcessHandle await(String id, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            Optional<ProcessHandle> p = cellJvm(id);
            if (p.isPresent()) {
                return p.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no JVM for cell " + id + " within " + limit);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aCellWhoseJvmIsKilledIsRecordedCrashedTheOthersFinishAndResumeRunsOnlyIt() throws Exception {
        Path stall = Files.writeString(dir.resolve("stall"), "while this file exists the victim sleeps");
        Path config = dir.resolve("kill.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  virtual-memory.kind = simulated
                  strategies = [
                    { name = linear.vm }
                    { name = test.stalling, label = victim, parameters { stall-while = "%s" } }
                  ]
                  workloads = [ { type = random, operations = 2000, phase-length = 500 } ]
                }
                """.formatted(stall));
        Path results = dir.resolve("out");
        var code = new AtomicInteger(-1);
        Thread experiment = Thread.ofPlatform().start(() ->
                code.set(run("run", "--config", config.toString(), "--out", results.toString())));
        ProcessHandle victim = await("victim--simulated--random--r0", Duration.ofSeconds(90));
        Thread.sleep(500);                                     // it has started measuring
        victim.destroyForcibly();
        experiment.join(TimeUnit.MINUTES.toMillis(2));
        assertThat(code.get()).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(Main.FAILED);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("CRASHED", "1 finished, 1 crashed of 2 cells",
                "alloclab run --resume");

        Map<String, JsonNode> first = byStrategy(read(results));
        assertThat(first.get("linear.vm").get("status").asText()).isEqualTo("ok");
        JsonNode crashed = first.get("victim");
        assertThat(crashed.get("status").asText()).isEqualTo("crashed");
        assertThat(crashed.get("signal").asText()).isEqualTo("SIGKILL");
        assertThat(crashed.get("exit_code").asInt()).isEqualTo(128 + 9);
        assertThat(crashed.get("error").asText()).contains("killed by signal 9 (SIGKILL)");
        assertThat(crashed.get("pid").asLong()).isEqualTo(victim.pid());
        assertThat(Files.readString(results.resolve("report.html"))).contains("Failed cells", "crashed", "SIGKILL");

        Files.delete(stall);                                   // whatever made it crash is gone
        long finishedPid = first.get("linear.vm").get("pid").asLong();
        out.reset();
        assertThat(run("run", "--resume", results.toString())).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 of 2 cells to run");
        Map<String, JsonNode> resumed = byStrategy(read(results));
        assertThat(resumed.get("victim").get("status").asText()).isEqualTo("ok");
        assertThat(resumed.get("linear.vm").get("pid").asLong()).as("a finished cell is not run again").isEqualTo(finishedPid);
        assertThat(read(results).get("summary")).allSatisfy(s -> assertThat(s.get("finished").asInt()).isEqualTo(1));
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aCellPastItsTimeLimitIsKilledAndRecordedTimedOut() throws Exception {
        Path stall = Files.writeString(dir.resolve("stall"), "forever");
        Path config = dir.resolve("slow.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  cell-timeout = 1s
                  virtual-memory.kind = simulated
                  strategies = [ { name = test.stalling, label = sleeper, parameters { stall-while = "%s" } } ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """.formatted(stall));
        Path results = dir.resolve("out");
        long t0 = System.nanoTime();
        assertThat(run("run", "--config", config.toString(), "--out", results.toString())).isEqualTo(Main.FAILED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("killed at its limit, not left to run")
                .isLessThan(Duration.ofSeconds(30));
        JsonNode r = read(results).get("results").get(0);
        assertThat(r.get("status").asText()).isEqualTo("timed_out");
        assertThat(r.get("error").asText()).contains("time limit of 1 s");
        assertThat(cellJvm("sleeper--simulated--random--r0")).as("nothing left running").isEmpty();
        assertThat(Files.readString(results.resolve("report.html"))).contains("Failed cells", "timed_out");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("TIMED OUT");
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aCellThatRunsItsJvmOutOfMemoryIsRecordedCrashedWithTheReasonAndTheJvmArgumentsReachIt() throws Exception {
        Path config = dir.resolve("oom.conf");
        Files.writeString(config, """
                alloclab {
                  repetitions = 1
                  jvm-args = ["-Xmx48m"]
                  virtual-memory.kind = simulated
                  strategies = [ { name = linear.vm }, { name = test.stalling, label = hog, parameters { exhaust-heap = true } } ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """);
        Path results = dir.resolve("out");
        assertThat(run("run", "--config", config.toString(), "--out", results.toString()))
                .as(err.toString(StandardCharsets.UTF_8)).isEqualTo(Main.FAILED);
        Map<String, JsonNode> r = byStrategy(read(results));
        assertThat(r.get("linear.vm").get("status").asText()).isEqualTo("ok");
        assertThat(r.get("linear.vm").get("jvm_flags").toString()).contains("-Xmx48m");
        assertThat(r.get("hog").get("status").asText()).isEqualTo("crashed");
        assertThat(r.get("hog").get("error").asText()).contains("out of memory", "Java heap space");
        assertThat(read(results).get("jvm_args").toString()).contains("-Xmx48m");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anExperimentWhoseParentIsKilledKeepsItsFinishedCellsAndStopsItsChildren() throws Exception {
        Path results = dir.resolve("out");
        Path log = dir.resolve("parent.log");
        Process parent = startStallingLast(results, log);
        try {
            ProcessHandle child = awaitStallingCell(parent, log);
            parent.destroyForcibly();                          // kill -9
            parent.waitFor();
            assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("a cell stops when its parent dies").isFalse();
        } finally {
            parent.destroyForcibly();
        }
        JsonNode plan = new ObjectMapper().readTree(results.resolve("plan.json").toFile());
        int stallingRunsAt = -1;
        for (JsonNode c : plan.get("cells")) {
            if (c.get("strategy").asText().equals("stalling")) {
                stallingRunsAt = c.get("index").asInt();
            }
        }
        assertThat(stallingRunsAt).as("the seed makes the stalling cell run last, after the others finished").isEqualTo(2);

        assertThat(run("report", results.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
        JsonNode doc = read(results);
        assertThat(doc.get("results")).hasSize(2).allSatisfy(r -> assertThat(r.get("status").asText()).isEqualTo("ok"));
        assertThat(doc.get("cell_counts").get("missing").asInt()).isEqualTo(1);
        assertThat(Files.readString(results.resolve("report.html"))).contains("linear.vm", "2 finished of 3 planned");
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void anExperimentStoppedWithSigtermReportsWhatFinishedAndSaysHowToResume() throws Exception {
        Path results = dir.resolve("terminated");
        Path log = dir.resolve("terminated.log");
        Process parent = startStallingLast(results, log);
        ProcessHandle child;
        try {
            child = awaitStallingCell(parent, log);
            parent.destroy();                                  // SIGTERM, as Ctrl-C's SIGINT
            assertThat(parent.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            parent.destroyForcibly();
        }
        assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("the running cell is stopped").isFalse();
        String printed = Files.readString(log);
        assertThat(printed).contains("alloclab: interrupted; 2 finished")
                .contains("Report:  " + results.toAbsolutePath().normalize().resolve("report.html"))
                .contains("'alloclab run --resume " + results.toAbsolutePath().normalize() + "' runs the cells that did not finish");
        assertThat(results.resolve("report.html")).exists();
        assertThat(read(results).get("results").findValuesAsText("strategy")).contains("linear.vm", "linear");
    }

    /**
     * Starts {@code alloclab run} in a JVM of its own, output to {@code log}, on an experiment of three cells whose
     * last (by {@link #SEED_WITH_THE_STALLING_CELL_LAST}) never ends: the parent of an experiment to interrupt.
     */
    private Process startStallingLast(Path results, Path log) throws Exception {
        Path stall = Files.writeString(dir.resolve("stall"), "the stalling cell never ends");
        Path config = dir.resolve(results.getFileName() + ".conf");
        Files.writeString(config, """
                alloclab {
                  seed = %d
                  repetitions = 1
                  virtual-memory.kind = simulated
                  strategies = [
                    { name = linear.vm }
                    { name = linear, parameters { capacity = 16MiB } }
                    { name = test.stalling, label = stalling, parameters { stall-while = "%s" } }
                  ]
                  workloads = [ { type = random, operations = 2000 } ]
                }
                """.formatted(SEED_WITH_THE_STALLING_CELL_LAST, stall));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString(),
                "--out", results.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The stalling cell's JVM once {@code parent} has started it (the other two cells have finished by then). */
    private static ProcessHandle awaitStallingCell(Process parent, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        ProcessHandle child = null;
        while (child == null && System.nanoTime() < end) {
            child = parent.descendants().filter(p -> String.join(" ", commandLine(p)).contains("stalling--simulated"))
                    .findFirst().orElse(null);
            Thread.sleep(50);
        }
        assertThat(child).as(Files.readString(log)).isNotNull();
        return child;
    }

    /** A seed whose shuffle runs the stalling cell of the interrupted experiment last (checked by the test). */
    private static final long SEED_WITH_THE_STALLING_CELL_LAST = 3;
}
