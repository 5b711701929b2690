package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.harness.cells.Merge;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.report.Comparison;
import org.alloclab.harness.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code alloclab report}: the report of a results folder again, or two folders compared. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Render report.html, report.md and csv/ again from a results folder (of run, replay or bench).",
                "With two folders A B: compare them, every run both have side by side, into a new folder."})
public final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..2", paramLabel = "DIR", description = "a results folder; two to compare (A, then B)")
    List<Path> folders;

    @Option(names = "--heap-map", split = ",", paramLabel = "STRATEGY",
            description = "strategies whose heap maps to draw (default: the first two that have one)")
    List<String> heapMaps = List.of();

    @Option(names = {"-o", "--out"}, paramLabel = "DIR",
            description = "where a comparison goes (default: a folder beside B named A-vs-B)")
    Path out;

    private final PrintStream console;

    /** The command, printing to {@code console}. */
    @Inject
    public ReportCommand(PrintStream console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        for (Path f : folders) {
            if (Plan.isIn(f)) {
                Merge.write(f);                   // what the cells' files hold now, even after an interruption
            }
        }
        if (folders.size() == 1) {
            Path page = ReportWriter.write(folders.getFirst(), new LinkedHashSet<>(heapMaps));
            console.println("Report: " + page);
            return 0;
        }
        Path a = folders.get(0);
        Path b = folders.get(1);
        Path target = out != null ? out : b.toAbsolutePath().normalize().resolveSibling(
                a.getFileName() + "-vs-" + b.getFileName());
        Path page = Comparison.write(a, b, target);
        console.println("Comparison: " + page);
        return 0;
    }
}
