package org.alloclab.harness.run;

import java.io.Console;
import java.io.PrintStream;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar for one long run (its warm-up replays and the measured one), drawn with
 * {@code me.tongfei:progressbar} — only when a person watches: the console is a terminal and the run has
 * more than {@link #LONG_RUN} operations. Otherwise it draws nothing, and the run prints its one line as
 * always. The bar is cleared when the run ends, so what stays on the screen is that same line.
 *
 * <p>The replayer reports progress at its footprint probes, outside every timed section (see
 * {@link Replayer.Progress}); the bar itself only stores the count there and is redrawn by the library's
 * own thread a few times a second.
 */
public final class ProgressDisplay implements AutoCloseable {

    /** Runs with more operations than this (warm-ups included) show a bar. */
    static final long LONG_RUN = 1_000_000;

    private static final ProgressDisplay HIDDEN = new ProgressDisplay(null);

    private final ProgressBar bar;
    private boolean closed;

    private ProgressDisplay(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * A bar called {@code task} over {@code operations}, printed to {@code out} — or a display that shows
     * nothing when {@code out} is not the terminal's standard output or the run is short.
     */
    public static ProgressDisplay open(PrintStream out, String task, long operations) {
        if (operations <= LONG_RUN || out != System.out || !interactive()) {
            return HIDDEN;
        }
        return new ProgressDisplay(new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(operations)
                .setUnit(" Mops", 1_000_000)
                .showSpeed(new java.text.DecimalFormat("0.0"))
                .setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .clearDisplayOnFinish()
                .build());
    }

    /**
     * Whether a person is likely watching: there is a console and it is a terminal. Since JDK 22
     * {@link System#console()} may return a console even when output is redirected, hence
     * {@link Console#isTerminal()}.
     */
    static boolean interactive() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** Whether a bar is drawn. */
    public boolean shown() {
        return bar != null;
    }

    /** A progress listener for a replay that starts after {@code before} operations of this run. */
    public Replayer.Progress after(long before) {
        if (bar == null) {
            return Replayer.Progress.NONE;
        }
        return operations -> bar.stepTo(before + operations);
    }

    /** Clears the bar; idempotent. */
    @Override
    public void close() {
        if (bar != null && !closed) {
            closed = true;
            bar.close();
        }
    }
}
