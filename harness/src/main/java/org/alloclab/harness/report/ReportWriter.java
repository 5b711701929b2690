package org.alloclab.harness.report;

import org.alloclab.harness.run.AtomicFile;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.Template;
import org.HdrHistogram.Histogram;
import org.alloclab.harness.report.RunFolder.Run;
import org.alloclab.harness.run.Schema;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes the report of a results folder into that folder: {@code report.html} (self-contained: charts are
 * inline SVG, heap maps inline PNG, no script from anywhere else), {@code report.md} (the same tables, with
 * the charts as files under {@code charts/}), and every table as CSV under {@code csv/}, with the full
 * latency distributions and footprint timelines besides.
 */
public final class ReportWriter {

    static final Template PAGE = template("report.html.mustache");

    private ReportWriter() {
    }

    /** Writes the report of {@code folder} into it and returns the page's path. */
    public static Path write(Path folder) {
        return write(folder, Set.of());
    }

    /**
     * Writes the report of {@code folder} into it, drawing the heap maps of {@code heapMapStrategies} (all
     * runs of the first workload that has them; empty for the first two strategies that have one).
     */
    public static Path write(Path folder, Set<String> heapMapStrategies) {
        return write(RunFolder.read(folder), heapMapStrategies);
    }

    /** As {@link #write(Path, Set)}, for a folder read already. */
    public static Path write(RunFolder runs, Set<String> heapMapStrategies) {
        Path folder = runs.folder();
        var report = new Report(runs, heapMapStrategies);
        try {
            Path charts = Files.createDirectories(folder.resolve("charts"));
            Path csv = Files.createDirectories(folder.resolve("csv"));
            for (Report.Section s : report.sections()) {
                for (Charts.Chart c : s.charts()) {
                    AtomicFile.writeString(charts.resolve(fileName(s, c) + ".svg"), svgDocument(c.svg()));
                }
                for (Report.HeapMap h : s.heapMaps()) {
                    byte[] png = h.image().png();
                    AtomicFile.write(charts.resolve(h.id() + ".png"), out -> out.write(png));
                }
                for (Table t : s.tables()) {
                    writeCsv(csv.resolve(t.id() + ".csv"), t);
                }
            }
            writeDistributions(csv.resolve("latency-distribution.csv"), runs);
            writeRepetitions(csv.resolve("repetitions.csv"), runs);
            writeTimelines(csv.resolve("timeline.csv"), runs);
            Path page = folder.resolve("report.html");
            AtomicFile.writeString(page, PAGE.execute(context(report)));
            AtomicFile.writeString(folder.resolve("report.md"), Markdown.render(report, ReportWriter::fileName));
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into " + folder + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write the report into " + folder + ": " + e.getMessage(), e.getCause());
        }
    }

    static String fileName(Report.Section s, Charts.Chart c) {
        return (s.id() + "-" + c.title()).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
    }

    private static String svgDocument(String element) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + element.replaceFirst("<svg ",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" ");
    }

    private static Template template(String name) {
        try (Reader r = new InputStreamReader(ReportWriter.class.getResourceAsStream(name), StandardCharsets.UTF_8)) {
            return Mustache.compiler().defaultValue("").compile(r);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the report template " + name + " is missing from the build", e);
        }
    }

    // ---- the page ----------------------------------------------------------------------------------

    static Map<String, Object> context(Report report) {
        RunFolder folder = report.folder();
        Map<String, Object> header = folder.header();
        var m = new LinkedHashMap<String, Object>();
        m.put("title", title(folder));
        m.put("started", header.getOrDefault(Schema.STARTED, ""));
        m.put("source", header.getOrDefault(Schema.CONFIGURATION_SOURCE, ""));
        m.put("rerun", Metadata.rerun(header));
        var contents = new ArrayList<Map<String, Object>>();
        var sections = new ArrayList<Map<String, Object>>();
        for (Report.Section s : report.sections()) {
            contents.add(Map.of("id", s.id(), "title", s.title()));
            sections.add(section(s));
        }
        contents.add(Map.of("id", "metadata", "title", "How this was run"));
        m.put("contents", contents);
        m.put("sections", sections);
        m.put("metadata", Metadata.rows(header, folder));
        m.put("configuration", Metadata.configuration(header));
        return m;
    }

    /** One section as the page template reads it. */
    static Map<String, Object> section(Report.Section s) {
        var sm = new LinkedHashMap<String, Object>();
        sm.put("id", s.id());
        sm.put("title", s.title());
        sm.put("text", s.text());
        sm.put("tables", s.tables().stream().map(ReportWriter::table).toList());
        sm.put("charts", s.charts().stream().map(c -> Map.of("id", c.id(), "title", c.title(), "svg", c.svg(),
                "points", c.points())).toList());
        sm.put("hasCharts", !s.charts().isEmpty());
        sm.put("heapMaps", s.heapMaps().stream().map(h -> Map.of("id", h.id(), "title", h.title(), "caption",
                h.caption(), "png", Base64.getEncoder().encodeToString(h.image().png()))).toList());
        return sm;
    }

    static String title(RunFolder folder) {
        if (folder.runs().isEmpty()) {
            return "alloclab benchmarks";
        }
        var strategies = folder.runs().stream().map(Run::strategy).distinct().count();
        return "alloclab: " + strategies + " strateg" + (strategies == 1 ? "y" : "ies") + " on "
                + String.join(", ", folder.workloads());
    }

    static Map<String, Object> table(Table t) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", t.id());
        m.put("title", t.title());
        m.put("note", t.note());
        m.put("columns", t.columns());
        m.put("rows", t.rows().stream().map(r -> Map.of("cells", r.stream().map(c -> Map.of("text", c.text(),
                "cls", (c.numeric() ? "num" : "") + (c.highlighted() ? " best" : ""))).toList())).toList());
        return m;
    }

    // ---- CSV ---------------------------------------------------------------------------------------

    /** Prints a CSV table. */
    @FunctionalInterface
    interface CsvBody {
        void print(CSVPrinter csv) throws IOException;
    }

    /** Writes a CSV table into {@code file}, whole or not at all ({@link AtomicFile}). */
    static void csv(Path file, CsvBody body) {
        AtomicFile.write(file, out -> {
            var w = new java.io.OutputStreamWriter(out, java.nio.charset.StandardCharsets.UTF_8);
            var printer = new CSVPrinter(w, CSVFormat.RFC4180);
            body.print(printer);
            printer.flush();
        });
    }

    static void writeCsv(Path file, Table t) throws IOException {
        csv(file, csv -> {
            csv.printRecord(t.columns());
            for (List<Table.Cell> row : t.rows()) {
                csv.printRecord(row.stream().map(Table.Cell::raw).toList());
            }
        });
    }

    private static void writeDistributions(Path file, RunFolder folder) throws IOException {
        csv(file, csv -> {
            csv.printRecord("strategy", "virtual_memory", "workload", "threads", "operation", "percentile", "nanoseconds",
                    "count_at_or_below");
            for (Run r : folder.runs()) {
                for (var e : r.latency().entrySet()) {
                    Histogram h = e.getValue();
                    for (var v : h.percentiles(5)) {
                        csv.printRecord(r.strategy(), r.virtualMemory(), r.workload(), r.threads(), e.getKey(),
                                v.getPercentileLevelIteratedTo(), v.getValueIteratedTo(), v.getTotalCountToThisValue());
                    }
                }
            }
        });
    }

    /**
     * Every repetition of every cell, a row each, for a plotting tool to draw a figure's spread: what was
     * measured, in which cell, by which process on which machine, and its figures.
     */
    private static void writeRepetitions(Path file, RunFolder folder) throws IOException {
        var columns = List.of(Schema.STRATEGY, Schema.VIRTUAL_MEMORY, Schema.WORKLOAD, Schema.THREADS, Schema.REPETITION,
                Schema.CELL, Schema.PID, Schema.HOST, Schema.MEASURED_WITH_JOBS, Schema.WARMUP_REPLAYS, Schema.ELAPSED_MS,
                Schema.THROUGHPUT, Schema.PEAK_LIVE_BYTES, Schema.PEAK_COMMITTED_BYTES, Schema.PEAK_RESIDENT_BYTES,
                Schema.COMMITTED_AFTER_FREE_ALL_BYTES, Schema.FOOTPRINT_RATIO, Schema.IDEAL_FOOTPRINT_BYTES, Schema.IDEAL_RATIO);
        var ops = List.of("allocate", "free");
        var header = new ArrayList<String>(columns);
        for (String op : ops) {
            for (String p : List.of(Schema.P50, Schema.P99, Schema.P999)) {
                header.add(op + "_" + p + "_ns");
            }
        }
        csv(file, csv -> {
            csv.printRecord(header);
            for (Run r : folder.runs()) {
                for (Map<String, Object> rep : r.repetitions()) {
                    var row = new ArrayList<Object>();
                    for (String c : columns) {
                        Object v = rep.get(c);
                        row.add(v == null ? "" : v);
                    }
                    for (String op : ops) {
                        for (String p : List.of(Schema.P50, Schema.P99, Schema.P999)) {
                            row.add(rep.get(Schema.LATENCY_NS) instanceof Map<?, ?> lat && lat.get(op) instanceof Map<?, ?> m
                                    && m.get(p) != null ? m.get(p) : "");
                        }
                    }
                    csv.printRecord(row);
                }
            }
        });
    }

    private static void writeTimelines(Path file, RunFolder folder) throws IOException {
        csv(file, csv -> {
            csv.printRecord("strategy", "virtual_memory", "workload", "threads", "operation", "nanos", "live_bytes",
                    "committed_bytes", "resident_bytes");
            for (Run r : folder.runs()) {
                long[] op = r.timeline(Schema.OPERATION);
                long[] nanos = r.timeline(Schema.NANOS);
                long[] live = r.timeline(Schema.LIVE_BYTES);
                long[] committed = r.timeline(Schema.COMMITTED_BYTES);
                long[] resident = r.timeline(Schema.RESIDENT_BYTES);
                for (int i = 0; i < op.length; i++) {
                    csv.printRecord(r.strategy(), r.virtualMemory(), r.workload(), r.threads(), op[i], nanos[i], live[i],
                            committed[i], resident.length > i ? resident[i] : -1);
                }
            }
        });
    }

    /** JSON for the page's configuration block. */
    static String json(Object value) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (IOException e) {
            return String.valueOf(value);
        }
    }
}
