package org.alloclab.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.alloclab.harness.report.ReportWriter;
import org.alloclab.harness.run.Environment;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * {@code alloclab bench [-o DIR] [JMH options]}: runs the benchmarks with JMH, writes JMH's JSON as
 * {@code jmh.json} into a reports folder with {@code bench.json} (the command and the machine), and renders
 * the report there. Options that only ask JMH something ({@code -h}, {@code -l}, {@code -lp}) go to JMH alone.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        var jmhArgs = new ArrayList<String>();
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("-o") || args[i].equals("--out")) && i + 1 < args.length) {
                out = Path.of(args[++i]);
            } else {
                jmhArgs.add(args[i]);
            }
        }
        if (jmhArgs.stream().anyMatch(a -> List.of("-h", "-l", "-lp", "-lprof", "-lrf", "-help").contains(a))) {
            org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
            return;
        }
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(jmhArgs.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            System.err.println("alloclab bench: error: " + e.getMessage() + " (JMH's options: alloclab bench -h)");
            System.exit(2);
            return;
        }
        Path folder = out != null ? out : newFolder(Path.of("reports"));
        Files.createDirectories(folder);
        Path json = folder.resolve("jmh.json");
        var header = new LinkedHashMap<String, Object>();
        var command = new ArrayList<String>(List.of("alloclab", "bench"));
        command.addAll(List.of(args));
        header.put("command", command);
        header.put("started", Instant.now().toString());
        header.put("configuration_source", "JMH options: " + (jmhArgs.isEmpty() ? "the benchmarks' defaults" : String.join(" ", jmhArgs)));
        header.put("environment", Environment.describe());
        var mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        mapper.writeValue(folder.resolve("bench.json").toFile(), header);

        var opts = new OptionsBuilder().parent(options).resultFormat(ResultFormatType.JSON).result(json.toString()).build();
        Collection<RunResult> results = new Runner(opts).run();
        if (results.isEmpty()) {
            System.err.println("alloclab bench: no benchmark ran (does the -e/include pattern match? alloclab bench -l lists them)");
            System.exit(1);
        }
        Path page = ReportWriter.write(folder);
        System.out.println();
        System.out.println("JMH results: " + json.toAbsolutePath().normalize());
        System.out.println("Report:      " + page.toAbsolutePath().normalize());
    }

    private static Path newFolder(Path parent) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path folder = parent.resolve(stamp + "-bench");
        for (int i = 2; Files.exists(folder); i++) {
            folder = parent.resolve(stamp + "-bench-" + i);
        }
        return folder;
    }
}
