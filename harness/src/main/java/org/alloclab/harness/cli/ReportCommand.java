package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.harness.cells.Merge;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.report.Comparison;
import org.alloclab.harness.report.ReportWriter;
import org.alloclab.harness.report.RunFolder;
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
        if (folders.size() == 2 && !heapMaps.isEmpty()) {
            throw new IllegalArgumentException("--heap-map chooses the heap maps of one folder's report; a comparison"
                    + " of two folders draws none: run 'alloclab report DIR --heap-map ...' on either folder");
        }
        for (Path f : folders) {
            if (Plan.isIn(f)) {
                Merge.write(f);                   // what the cells' files hold now, even after an interruption
            }
        }
        if (folders.size() == 1) {
            RunFolder runs = RunFolder.read(folders.getFirst());
            checkHeapMaps(runs);
            Path page = ReportWriter.write(runs, new LinkedHashSet<>(heapMaps));
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

    /**
     * Refuses a {@code --heap-map} strategy that has no heap map in the folder: the report would draw
     * none for it and say nothing, and a misspelt label would look like a strategy without one.
     */
    private void checkHeapMaps(RunFolder runs) {
        var strategies = new LinkedHashSet<String>();
        var mapped = new TreeSet<String>();
        for (RunFolder.Run r : runs.runs()) {
            strategies.add(r.strategy());
            if (r.heapMapFile() != null) {
                mapped.add(r.strategy());
            }
        }
        for (String asked : heapMaps) {
            if (mapped.contains(asked)) {
                continue;
            }
            String problem = strategies.contains(asked) ? "strategy '" + asked + "' recorded no heap map in " + runs.folder()
                    : "no strategy '" + asked + "' in " + runs.folder();
            throw new IllegalArgumentException("--heap-map: " + problem + (mapped.isEmpty()
                    ? "; none of its runs recorded a heap map (heap-map = off, or strategies that cannot show their heap)"
                    : "; strategies with a heap map there: " + String.join(", ", mapped)));
        }
    }
}
