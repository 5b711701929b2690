package org.alloclab.harness.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;
import org.alloclab.harness.Main;
import org.alloclab.harness.cells.Cell;
import org.alloclab.harness.cells.Merge;
import org.alloclab.harness.cells.Plan;
import org.alloclab.harness.cells.Slurm;
import org.alloclab.harness.report.ReportWriter;
import org.alloclab.harness.run.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code alloclab collect DIR}: merge the cells that have finished, say where the others are, render the report. */
@Command(name = "collect", mixinStandardHelpOptions = true,
        description = "Merge the cells of the experiment in DIR that have finished into results.json, say which are"
                + " pending or running (in Slurm's queue), missing or failed, and render the report. Run it again later"
                + " and it updates them. Exit code 0 once every cell has finished or is still queued.")
public final class CollectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "the experiment's folder (of 'alloclab submit' or 'run')")
    Path folder;

    private final PrintStream console;

    /** The command, printing to {@code console}. */
    @Inject
    public CollectCommand(PrintStream console) {
        this.console = console;
    }

    @Override
    public Integer call() {
        return collect(folder, console);
    }

    /** Merges, reports and renders; the exit code. */
    static int collect(Path folder, PrintStream console) {
        Plan plan = Plan.read(folder);
        Merge.Status status = Merge.write(folder);
        List<Slurm.Job> jobs = Slurm.jobs(folder);
        Map<Integer, String> queued = new TreeMap<>();
        if (!jobs.isEmpty() && !status.complete()) {
            try {
                queued = Slurm.queue(jobs);
            } catch (IllegalStateException e) {
                console.println("alloclab: cannot ask Slurm's queue (" + e.getMessage() + "); cells without a result are"
                        + " counted as missing");
            }
        }
        int pending = 0;
        int running = 0;
        var missing = new java.util.ArrayList<Cell>();
        for (Cell c : status.missing()) {
            String state = queued.get(c.index());
            if (state == null) {
                missing.add(c);
            } else if (state.equals("RUNNING") || state.equals("COMPLETING")) {
                running++;
            } else {
                pending++;
            }
        }
        console.printf("%s: %d of %d cells finished", folder, status.ok(), status.planned());
        if (status.failed() + status.crashed() + status.timedOut() > 0) {
            console.printf(", %d failed (%d crashed, %d timed out)", status.failed() + status.crashed() + status.timedOut(),
                    status.crashed(), status.timedOut());
        }
        if (running + pending > 0) {
            console.printf(", %d running, %d pending in Slurm's queue", running, pending);
        }
        if (!missing.isEmpty()) {
            console.printf(", %d missing (no result, not queued)", missing.size());
        }
        console.println();
        for (Cell c : plan.cells()) {
            Map<String, Object> r = Merge.result(folder, c);
            if (r != null && !Schema.OK.equals(r.get(Schema.STATUS))) {
                console.printf("  %s %s: %s%n", r.get(Schema.STATUS), c.id(), r.get(Schema.ERROR));
            }
        }
        for (Cell c : missing.subList(0, Math.min(missing.size(), 20))) {
            console.printf("  missing %s (cell %d)%s%n", c.id(), c.index(), jobs.isEmpty() ? ""
                    : "; its task's output is in " + folder.resolve(Slurm.FOLDER) + "/<job>_" + (c.index() - offset(jobs, c.index())) + ".out");
        }
        if (missing.size() > 20) {
            console.printf("  ... and %d more missing%n", missing.size() - 20);
        }
        console.println("Results: " + folder.resolve("results.json").toAbsolutePath().normalize());
        try {
            console.println("Report:  " + ReportWriter.write(folder).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            console.println("The report could not be written (" + e.getMessage() + ")");
        }
        boolean bad = status.failed() + status.crashed() + status.timedOut() > 0 || !missing.isEmpty();
        return bad ? Main.FAILED : 0;
    }

    private static int offset(List<Slurm.Job> jobs, int index) {
        int offset = 0;
        for (Slurm.Job j : jobs) {
            if (index >= j.offset()) {
                offset = j.offset();
            }
        }
        return offset;
    }

    /** Waits until none of {@code jobs} is in Slurm's queue, saying how far the cells have come, then collects. */
    static int waitAndCollect(Path folder, Plan plan, List<Slurm.Job> jobs, PrintStream console) {
        int lastDone = -1;
        long pause = 2_000;
        while (true) {
            Map<Integer, String> queued = Slurm.queue(jobs);
            int done = Merge.status(folder, plan).recorded();
            if (done != lastDone) {
                console.printf("  %d of %d cells have a result; %d tasks in the queue%n", done, plan.cells().size(),
                        queued.size());
                lastDone = done;
            }
            if (queued.isEmpty()) {
                break;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Slurm jobs", e);
            }
            pause = Math.min(30_000, pause + 1_000);
        }
        return collect(folder, console);
    }
}
