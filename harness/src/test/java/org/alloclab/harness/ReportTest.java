package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.alloclab.harness.report.ReportWriter;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report a user opens after a run: every chart filled with the run's data, the tables as Markdown
 * and CSV, a heap map, the command to run it again; rendered again and compared by {@code alloclab report}.
 * One small experiment (two strategies of ours and glibc as a peer, on the OS virtual memory) serves all.
 */
class ReportTest {

    @TempDir
    static Path dir;

    static Path results;

    @BeforeAll
    static void runASmallExperiment() throws IOException {
        Path config = dir.resolve("small.conf");
        Files.writeString(config, """
                alloclab {
                  seed = 7
                  strategies = [ { name = dsmalloc }, { name = freelist.first-fit-lifo }, { name = glibc } ]
                  workloads = [ { type = random, operations = 20000, phase-length = 5000 } ]
                }
                """);
        results = dir.resolve("run");
        var err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "run", "--config", config.toString(), "--out",
                results.toString());
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void aRunWritesThePageTheMarkdownAndTheCsvBesideItsResults() throws IOException {
        assertThat(results.resolve("report.html")).exists();
        assertThat(results.resolve("report.md")).exists();
        for (String csv : List.of("footprint-ratio", "runs", "latency", "latency-distribution", "timeline")) {
            assertThat(results.resolve("csv/" + csv + ".csv")).as(csv).exists();
        }
        String page = Files.readString(results.resolve("report.html"));
        assertThat(page).doesNotContain("src=\"http", "href=\"http", "<link ");   // nothing from the network
        assertThat(page).contains("id=\"footprint\"", "id=\"throughput\"", "id=\"timeline\"", "id=\"latency\"",
                "id=\"heap\"", "id=\"metadata\"");
        assertThat(page).contains("To run it again, from any folder", "/alloclab run --config");
        List<Integer> points = charts(page);
        // throughput + footprint over time + allocate/free/reallocate latency + two heap maps
        assertThat(points).hasSizeGreaterThanOrEqualTo(6).allSatisfy(p -> assertThat(p).isPositive());
        assertThat(page).contains("1/(1−percentile)");
        assertThat(page).contains("data:image/png;base64,");
    }

    /** The data-points of every chart figure: how many values each one draws. */
    static List<Integer> charts(String page) {
        Matcher m = Pattern.compile("<figure class=\"chart[^\"]*\" id=\"[^\"]+\" data-points=\"(\\d+)\"").matcher(page);
        var list = new java.util.ArrayList<Integer>();
        while (m.find()) {
            list.add(Integer.parseInt(m.group(1)));
        }
        return list;
    }

    @Test
    void theFootprintTableRanksStrategiesAgainstThePeerAndTheCsvHoldsPlainNumbers() throws IOException {
        List<CSVRecord> rows = csv(results.resolve("csv/footprint-ratio.csv"));
        assertThat(rows.getFirst().toList()).containsExactly("strategy", "random", "geometric mean", "÷ glibc");
        assertThat(rows).hasSize(4);
        for (CSVRecord r : rows.subList(1, rows.size())) {
            // exact for alloclab's strategies (the run's own virtual memory); a peer's committed bytes are its
            // own figure, sampled, and may miss the instant of peak live by a little
            assertThat(Double.parseDouble(r.get(1))).as(r.get(0)).isGreaterThanOrEqualTo(r.get(0).equals("glibc") ? 0.9 : 1.0);
        }
        CSVRecord glibc = rows.stream().filter(r -> r.get(0).equals("glibc")).findFirst().orElseThrow();
        assertThat(Double.parseDouble(glibc.get(3))).isEqualTo(1.0);
        String page = Files.readString(results.resolve("report.html"));
        assertThat(page).containsPattern("<td class=\"num best\">\\d\\.\\d{3}</td>");
        String md = Files.readString(results.resolve("report.md"));
        assertThat(md).contains("| strategy | random | geometric mean | ÷ glibc |").containsPattern("\\*\\*\\d\\.\\d{3}\\*\\*")
                .contains("![allocate latency on random](charts/").contains("](charts/heap-0.png)");
        try (var charts = Files.list(results.resolve("charts"))) {
            assertThat(charts.filter(p -> p.toString().endsWith(".svg"))).allSatisfy(p ->
                    assertThat(Files.readString(p)).startsWith("<?xml").contains("xmlns=\"http://www.w3.org/2000/svg\""));
        }
    }

    @Test
    void theFootprintTableShowsTheIdealFootprintOfEachWorkloadAndEveryStrategysRatioToIt() throws IOException {
        List<CSVRecord> rows = csv(results.resolve("csv/footprint-ideal.csv"));
        assertThat(rows.getFirst().toList()).containsExactly("workload", "strategy", "peak committed", "× ideal");
        assertThat(rows).hasSize(5);
        CSVRecord ideal = rows.get(1);
        assertThat(ideal.get(0)).isEqualTo("random");
        assertThat(ideal.get(1)).isEqualTo("ideal");
        long floor = Long.parseLong(ideal.get(2));
        assertThat(floor).isPositive();
        for (CSVRecord r : rows.subList(2, rows.size())) {
            double ratio = Double.parseDouble(r.get(3));
            assertThat(ratio).as(r.get(1)).isGreaterThanOrEqualTo(r.get(1).equals("glibc") ? 0.9 : 1.0)
                    .isCloseTo(Long.parseLong(r.get(2)) / (double) floor, org.assertj.core.data.Offset.offset(0.001));
        }
        List<CSVRecord> runs = csv(results.resolve("csv/runs.csv"));
        assertThat(runs.getFirst().toList()).contains("ideal", "× ideal");
        List<CSVRecord> repetitions = csv(results.resolve("csv/repetitions.csv"));
        assertThat(repetitions.getFirst().toList()).contains("ideal_footprint_bytes", "ideal_ratio");
        int column = repetitions.getFirst().toList().indexOf("ideal_footprint_bytes");
        assertThat(repetitions.subList(1, repetitions.size())).allSatisfy(r ->
                assertThat(r.get(column)).isEqualTo(String.valueOf(floor)));
        String md = Files.readString(results.resolve("report.md"));
        assertThat(md).contains("Footprint against the ideal").contains("| workload | strategy | peak committed | × ideal |")
                .containsPattern("\\| random \\| ideal \\| [\\d.]+ [KM]iB \\|");
        assertThat(Files.readString(results.resolve("report.html"))).contains("× ideal", "ideal footprint");
    }

    @Test
    void theLatencyDistributionCsvRunsToTheMaximum() throws IOException {
        List<CSVRecord> rows = csv(results.resolve("csv/latency-distribution.csv"));
        var dsmallocAllocate = rows.stream().filter(r -> r.get(0).equals("dsmalloc") && r.get(4).equals("allocate")).toList();
        assertThat(dsmallocAllocate).hasSizeGreaterThan(10);
        assertThat(Double.parseDouble(dsmallocAllocate.getLast().get(5))).isEqualTo(100.0);
    }

    @Test
    void reportRendersAFolderAgainAndDrawsTheHeapMapsAsked() throws IOException {
        Files.delete(results.resolve("report.html"));
        var out = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "report", results.toString(),
                "--heap-map", "freelist.first-fit-lifo");
        assertThat(code).isZero();
        String page = Files.readString(results.resolve("report.html"));
        assertThat(page).contains("freelist.first-fit-lifo on random, after operation").doesNotContain("dsmalloc on random, after");
        ReportWriter.write(results);                                  // as after the run, for the other tests
    }

    @Test
    void aHeapMapAskedOfAStrategyWithoutOneIsRefusedNamingThoseWithOne() {
        var err = new ByteArrayOutputStream();
        var errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        var quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(Main.execute(quiet, errors, "report", results.toString(), "--heap-map", "dsmalloc,nope"))
                .isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("alloclab: error: --heap-map: no strategy 'nope' in " + results
                        + "; strategies with a heap map there: ")
                .containsPattern("with a heap map there: [^\\n]*dsmalloc[^\\n]*freelist.first-fit-lifo");
        err.reset();
        assertThat(Main.execute(quiet, errors, "report", results.toString(), results.toString(), "--heap-map", "dsmalloc"))
                .isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("alloclab: error: --heap-map chooses the heap maps of"
                + " one folder's report; a comparison of two folders draws none");
    }

    @Test
    void twoFoldersAreComparedRunByRun() throws IOException {
        Path target = dir.resolve("cmp");
        var out = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "report", results.toString(),
                results.toString(), "--out", target.toString());
        assertThat(code).isZero();
        List<CSVRecord> rows = csv(target.resolve("csv/comparison.csv"));
        assertThat(rows).hasSize(4);
        assertThat(rows.get(1).get(6)).isEqualTo("1.0");             // the same folder twice: B ÷ A is 1
        assertThat(charts(Files.readString(target.resolve("report.html")))).isNotEmpty().allSatisfy(p -> assertThat(p).isPositive());
    }

    @Test
    void aFolderWithoutResultsIsNamedInTheError() {
        var err = new ByteArrayOutputStream();
        int code = Main.execute(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "report", dir.resolve("nothing").toString());
        assertThat(code).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no such results folder").contains("nothing");
        assertThatThrownBy(() -> ReportWriter.write(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither results.json");
    }

    static List<CSVRecord> csv(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            return CSVFormat.RFC4180.parse(r).getRecords();
        }
    }
}
