package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report page in a real browser: headless Chromium loads it from disk and the page's own check (run on
 * load) must find no script error and every chart drawn. Where no Chromium is installed (CI installs
 * Debian's {@code chromium} before the tests), this test says so and is skipped.
 */
class ReportInBrowserTest {

    @TempDir
    Path dir;

    static Path chromium() {
        for (String candidate : List.of(System.getenv().getOrDefault("ALLOCLAB_CHROMIUM", ""), "/usr/bin/chromium",
                "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (!candidate.isEmpty() && Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    @Test
    void thePageLoadsWithoutScriptErrorsAndEveryChartHasContent() throws Exception {
        Path browser = chromium();
        Assumptions.assumeTrue(browser != null, "no Chromium here (apt-get install chromium, or set ALLOCLAB_CHROMIUM):"
                + " the report was not checked in a browser");
        Path config = dir.resolve("small.conf");
        Files.writeString(config, """
                alloclab {
                  strategies = [ { name = dsmalloc }, { name = common }, { name = glibc } ]
                  workloads = [ { type = random, operations = 10000, phase-length = 2500 } ]
                }
                """);
        Path results = dir.resolve("run");
        var err = new ByteArrayOutputStream();
        assertThat(Main.execute(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "run", "--config", config.toString(), "--out", results.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();

        String dom = dumpDom(browser, results.resolve("report.html"));
        Matcher verdict = Pattern.compile("<output id=\"page-check\">([^<]*)</output>").matcher(dom);
        assertThat(verdict.find()).as("the page's check ran; the DOM was:%n%s", head(dom)).isTrue();
        String check = verdict.group(1).replace("&quot;", "\"");
        assertThat(check).as("verdict").contains("\"empty\":[]").contains("\"errors\":[]");
        Matcher charts = Pattern.compile("\"charts\":(\\d+)").matcher(check);
        assertThat(charts.find()).isTrue();
        assertThat(Integer.parseInt(charts.group(1))).isGreaterThanOrEqualTo(6);
        assertThat(dom).contains("data-check=\"ok\"");
    }

    static String dumpDom(Path browser, Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("alloclab-chromium");
        var command = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom",
                page.toUri().toString()));
        Path out = Files.createTempFile("alloclab-dom", ".html");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Chromium did not finish loading the report in 120 s");
        }
        return Files.readString(out);
    }

    private static String head(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + "…" : s;
    }
}
