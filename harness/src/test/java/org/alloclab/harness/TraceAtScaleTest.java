package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces far larger than the heap are prepared and replayed in it, and what goes wrong on the way (a heap
 * too small for the live blocks, a gzip file cut short) is one line naming the trace, never a stack trace.
 */
class TraceAtScaleTest {

    @TempDir
    Path dir;

    /**
     * Writes a gzipped trace of {@code allocations} allocations; each block is freed {@code live} allocations
     * later (all of them live to the end when {@code live} is 0), every 16th with a caller.
     */
    private Path trace(String name, int allocations, int live) throws Exception {
        Path file = dir.resolve(name);
        try (var out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file), 1 << 16),
                StandardCharsets.US_ASCII), 1 << 16)) {
            out.write("= Start\n");
            for (int k = 0; k < allocations; k++) {
                if ((k & 15) == 0) {
                    out.write("@ ./prog:(f+1a)[0x1139] ");
                }
                out.write("+ 0x");
                out.write(Long.toHexString(address(k, live)));
                out.write(" 0x");
                out.write(Integer.toHexString(1 + k * 37 % 500));
                out.write('\n');
                if (live > 0 && k >= live) {
                    out.write("- 0x");
                    out.write(Long.toHexString(address(k - live, live)));
                    out.write('\n');
                }
            }
            out.write("= End\n");
        }
        return file;
    }

    /** The address of allocation {@code k}: a few times {@code live} places used again, or all apart. */
    private static long address(int k, int live) {
        return 0x5596c1e30000L + 0x200L * (live == 0 ? k : k % (4L * live));
    }

    private record Run(int exit, String output) {
    }

    /** {@code alloclab args} in a JVM of its own with a heap of {@code heap}. */
    private Run alloclab(String heap, String... args) throws Exception {
        var cmd = new ArrayList<String>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        var output = new ByteArrayOutputStream();
        Thread drain = Thread.ofPlatform().start(() -> {
            try {
                p.getInputStream().transferTo(output);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        drain.join();
        return new Run(p.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aTraceOfMillionsOfEventsIsPreparedAndReplayedInA64MiBHeap() throws Exception {
        // 2 million allocations and as many frees, 4 million events: their operations alone were 84 MB of
        // arrays in the heap, and the replay's tables 16 bytes per allocation more
        Path big = trace("big.mtrace.gz", 2_000_000, 1000);
        Run r = alloclab("64m", "replay", big.toString(), "--strategy", "segregated-fit", "-r", "1", "--in-process",
                "--warmup-runs", "0", "--touch", "none", "--heap-map", "off", "-o", dir.resolve("out").toString());
        assertThat(r.output()).doesNotContain("OutOfMemoryError", "\tat ");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("preparing big ... 3,999,000 operations");
        // 16 bytes per event on disk, and a slot table as large as the live blocks
        assertThat(Files.size(dir.resolve("out/operations").toFile().listFiles()[0].toPath()))
                .isBetween(3_999_000L * 16, 3_999_000L * 16 + 4096);
        assertThat(Files.readString(dir.resolve("out/results.json"))).contains("\"live_at_end\" : 1000");
    }

    @Test
    void aHeapTooSmallForTheLiveBlocksIsSaidInOneLine() throws Exception {
        Path live = trace("live.mtrace.gz", 1_500_000, 0);
        Run r = alloclab("24m", "replay", live.toString(), "--strategy", "segregated-fit", "-r", "1", "--in-process",
                "-o", dir.resolve("out").toString());
        assertThat(r.exit()).as(r.output()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.output()).doesNotContain("\tat ").containsPattern(
                "alloclab: error: .*live\\.mtrace\\.gz:\\d+: the Java heap \\(at most \\d+ MiB\\) ran out reading the trace,"
                        + " with \\d+ blocks live .*; give alloclab a larger heap, e.g. ALLOCLAB_JAVA_OPTS=-Xmx8g");
    }

    @Test
    void aTruncatedGzipTraceIsOneLineWithFileAndLineAndExitCode2() throws Exception {
        Path whole = trace("whole.mtrace.gz", 100_000, 100);
        byte[] gz = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("trunc.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "replay", cut.toString(), "--strategy", "segregated-fit", "-r", "1", "-o", dir.resolve("out").toString());
        String said = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(said).isEqualTo(Main.BAD_INPUT);
        assertThat(said).doesNotContain("\tat ")
                .containsPattern("alloclab: error: .*trunc\\.gz:\\d+: the gzip stream ends early \\(the file is truncated\\)");
    }
}
