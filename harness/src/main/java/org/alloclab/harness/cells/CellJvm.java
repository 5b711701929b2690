package org.alloclab.harness.cells;

import java.nio.file.Path;
import java.util.Map;

import org.alloclab.api.Registry;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.run.Schema;
import org.alloclab.harness.workload.WorkloadProvider;

/**
 * The entry point of a forked cell's JVM ({@link CellProcess} starts it):
 * {@code CellJvm DIR ID JOBS PARENT_PID [PROGRESS_FILE]}. It does what {@code alloclab cell DIR ID --in-process} does, without
 * the command line's machinery (Guice and picocli take about a third of a second to start, paid once per cell),
 * and ends as soon as the parent does.
 *
 * <p>Exit code 0 when the cell finished, 1 when its replay failed (its result says why), 2 when the
 * arguments are wrong; anything else (a crash, an uncaught error) is the parent's to describe.
 */
public final class CellJvm {

    private CellJvm() {
    }

    /** Measures one cell; see the class comment. */
    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: CellJvm DIR ID JOBS PARENT_PID [PROGRESS_FILE] (started by alloclab for each cell)");
            System.exit(2);
        }
        watchParent(Long.parseLong(args[3]));
        org.alloclab.harness.run.Measurement.prepareJvm();
        Path folder = Path.of(args[0]);
        Plan plan = Plan.read(folder);
        Cell cell = plan.cell(args[1]);
        var loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
                Registry.load("workload", WorkloadProvider.class, CellJvm.class.getClassLoader()), Registry.layers());
        Map<String, Object> entry;
        try (var runner = new CellRunner(loader)) {
            entry = runner.run(folder, cell, Integer.parseInt(args[2]),
                    args.length == 5 ? progressTo(Path.of(args[4])) : org.alloclab.harness.run.Measurement.Progress.NONE);
        }
        System.out.println(cell.id() + ": " + CellExecutor.outcome(entry));
        System.exit(Schema.OK.equals(entry.get(Schema.STATUS)) ? 0 : 1);
    }

    /**
     * Progress written to {@code file} (the operations done, as text) at most four times a second, for the parent's
     * progress bar. It is told at the replays' footprint probes, outside every timed section.
     */
    private static org.alloclab.harness.run.Measurement.Progress progressTo(Path file) {
        long[] last = {0};
        return before -> done -> {
            long now = System.nanoTime();
            if (now - last[0] > 250_000_000L) {
                last[0] = now;
                try {
                    java.nio.file.Files.writeString(file, Long.toString(before + done));
                } catch (java.io.IOException e) {
                    // a progress bar that stops is no reason to stop measuring
                }
            }
        };
    }

    /** Ends this JVM as soon as process {@code pid} ends: a forked cell does not outlive the experiment that started it. */
    public static void watchParent(long pid) {
        var parent = ProcessHandle.of(pid);
        if (parent.isEmpty() || !parent.get().isAlive()) {
            Runtime.getRuntime().halt(1);
        }
        parent.get().onExit().thenRun(() -> Runtime.getRuntime().halt(1));
    }
}
