package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Environment;
import org.alloclab.harness.run.Replayer;
import org.alloclab.harness.run.RunResult;
import org.alloclab.harness.workload.Operations;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's ceiling on what it asks of an allocator ({@code max-request}) and on what it writes: a request above
 * it never reaches the allocator but is counted and said, and with {@code touch = all} the bytes written into live
 * blocks stay within it. Every ceiling here is small (1 MiB), so no test comes near filling the machine.
 */
class MaxRequestTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));

    @BeforeEach
    void clear() {
        RecordingProvider.clear();
    }

    private int run(String... args) {
        return Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    @Test
    void aTraceLineAboveMaxRequestIsRefusedByTheHarnessCountedAndSaidAndNeverReachesTheAllocator() throws Exception {
        Path trace = dir.resolve("big.mtrace");
        Files.writeString(trace, "= Start\n+ 0x1000 0x20\n+ 0x3000 0x200000\n- 0x3000\n- 0x1000\n");   // 2 MiB asked
        Path results = dir.resolve("out");
        int code = run("replay", trace.toString(), "--strategy", "test.recording", "--vm", "simulated", "--max-request",
                "1MiB", "--touch", "all", "--warmup-runs", "0", "--heap-map", "off", "-r", "1", "--in-process",
                "-o", results.toString());
        String console = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8) + console).isZero();

        assertThat(RecordingProvider.LARGEST_REQUEST.get()).as("the largest request the allocator saw").isEqualTo(0x20);
        JsonNode json = new ObjectMapper().readTree(results.resolve("results.json").toFile());
        JsonNode run = json.get("results").get(0);
        assertThat(run.get("max_request_bytes").asLong()).isEqualTo(MIB);
        assertThat(run.get("refused_by_harness").asLong()).isEqualTo(1);
        assertThat(run.get("skipped").asLong()).as("the free of the block never allocated").isEqualTo(1);
        assertThat(run.get("failures").asLong()).as("the allocator refused nothing").isZero();
        assertThat(run.get("peak_live_bytes").asLong()).isEqualTo(0x20);
        assertThat(run.get("ideal_footprint_bytes").asLong()).as("the floor of what the allocator was asked to hold")
                .isEqualTo(0x20);
        assertThat(json.get("max_request").asText()).isEqualTo("1MiB");
        assertThat(json.get("summary").get(0).get("refused_by_harness").asLong()).isEqualTo(1);
        assertThat(console).contains("1 request above max-request (1 MiB) refused, never sent to the allocator")
                .contains("Refused by the harness: 1 request above max-request (1 MiB) in test.recording on simulated, big"
                        + " was never sent to the allocator");
        assertThat(console).doesNotContain("could not be written");
        assertThat(Files.readString(results.resolve("report.html")))
                .contains("The harness refused requests above its ceiling (max-request)");
    }

    @Test
    void aResizeAboveTheCeilingIsRefusedAndTheBlockKeepsItsSize() {
        var b = Operations.builder("grows");
        int slot = b.allocate(4096, 16);
        b.reallocate(slot, 2 * MIB);
        b.reallocate(slot, 8192);
        b.free(slot);
        Operations ops = b.build();
        var replayer = new Replayer(Replayer.Touch.FIRST, 1).withMaxRequest(MIB);
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = Registry.strategies().get("test.recording").create(Map.of(), vm)) {
            RunResult r = replayer.replay("t", Map.of(), ops, allocator, vm);
            assertThat(r.counts().refusedByHarness()).isEqualTo(1);
            assertThat(r.counts().failures()).isZero();
            assertThat(r.counts().skipped()).isZero();
            assertThat(r.bytes().peakLive()).isEqualTo(8192);
            assertThat(r.bytes().maxRequest()).isEqualTo(MIB);
        }
        assertThat(RecordingProvider.LARGEST_REQUEST.get()).isEqualTo(8192);
    }

    @Test
    void touchingAllWritesNoMoreThanTheCeilingIntoLiveBlocksAtOnce() {
        var b = Operations.builder("three halves");
        int first = b.allocate(MIB / 2, 16);
        b.allocate(MIB / 2, 16);
        b.allocate(MIB / 2, 16);                       // 1.5 MiB live: written only in its first bytes
        b.free(first);
        b.allocate(MIB / 2, 16);                       // 1 MiB written and live again: written whole
        Operations ops = b.build();
        var replayer = new Replayer(Replayer.Touch.ALL, 1).withMaxRequest(MIB);
        try (VirtualMemory vm = Registry.virtualMemories().get("simulated").create(Map.of());
             var allocator = Registry.strategies().get("test.recording").create(Map.of(), vm)) {
            RunResult r = replayer.replay("t", Map.of(), ops, allocator, vm);
            assertThat(r.counts().touchLimited()).isEqualTo(1);
            assertThat(r.counts().refusedByHarness()).isZero();
            assertThat(r.bytes().peakLive()).isEqualTo(3 * MIB / 2);
        }
        assertThat(RecordingProvider.BYTES_FILLED.get()).as("three blocks written whole, one not").isEqualTo(3 * MIB / 2);
    }

    @Test
    void maxRequestIsASizeOrAPercentageOfPhysicalMemoryAndBadValuesNameTheKey() {
        assertThat(loader.loadDefault().maxRequest()).isEqualTo((long) (Environment.physicalMemory() * 0.25));
        assertThat(loader.parse("alloclab.max-request = 64MiB", "t").maxRequest()).isEqualTo(64 * MIB);
        assertThat(loader.parse("alloclab.max-request = 4096", "t").maxRequest()).isEqualTo(4096);
        assertThat(loader.parse("alloclab.max-request = 50%", "t").maxRequest())
                .isEqualTo((long) (Environment.physicalMemory() * 0.5));
        assertThatThrownBy(() -> loader.parse("alloclab.max-request = 0", "my.conf"))
                .hasMessageContaining("alloclab.max-request: must be at least 1 byte, was '0'");
        assertThatThrownBy(() -> loader.parse("alloclab.max-request = lots", "my.conf"))
                .hasMessageContaining("alloclab.max-request: must be a size like 64MiB or a percentage of the physical"
                        + " memory like 25%, was 'lots'");
        assertThatThrownBy(() -> loader.parse("alloclab.max-request = 150%", "my.conf"))
                .hasMessageContaining("alloclab.max-request: a percentage of the physical memory must be above 0% and at"
                        + " most 100%, was '150%'");
        assertThat(run("plan", "--max-request", "huge")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--max-request must be a size like 64MiB");
    }
}
