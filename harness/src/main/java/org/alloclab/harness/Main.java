package org.alloclab.harness;

import java.io.PrintStream;
import java.util.List;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import org.alloclab.harness.cli.CellCommand;
import org.alloclab.harness.cli.CheckCommand;
import org.alloclab.harness.cli.CollectCommand;
import org.alloclab.harness.cli.ListCommand;
import org.alloclab.harness.cli.PlanCommand;
import org.alloclab.harness.cli.ReplayCommand;
import org.alloclab.harness.cli.ReportCommand;
import org.alloclab.harness.cli.RunCommand;
import org.alloclab.harness.cli.SubmitCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code alloclab} command. Exit codes: 0 success, 1 a check failed or a run could not complete,
 * 2 bad input (unknown option, strategy or key; malformed value or file).
 */
@Command(name = "alloclab", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A research framework for memory allocators: compare strategies, check them, measure them.",
        subcommands = {ListCommand.class, RunCommand.class, ReplayCommand.class, PlanCommand.class, ReportCommand.class,
                CheckCommand.class, SubmitCommand.class, CollectCommand.class, CellCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code of bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit code of a failed check or run. */
    public static final int FAILED = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Runs the command line and returns its exit code; prints to {@code out} and {@code err}. */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        // Guice's bytecode generation is only needed for method interception, which alloclab does not use;
        // reflection keeps it independent of the class-file version of the running JDK.
        System.setProperty("guice_bytecode_gen_option", "DISABLED");
        Injector injector = Guice.createInjector(Stage.PRODUCTION, new HarnessModule(out, List.of(args)));
        var cli = new CommandLine(new Main(), new GuiceFactory(injector));
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean badInput = e instanceof IllegalArgumentException;
            boolean io = !badInput && causedByIo(e);
            commandLine.getErr().println("alloclab: " + (badInput ? "error: " : "failed: ") + e.getMessage());
            if (io) {
                commandLine.getErr().println("alloclab: nothing half-written was left behind; free some space or choose"
                        + " a writable folder, then run again (an experiment's folder: 'alloclab run --resume DIR').");
            }
            if (!badInput && !io || System.getenv("ALLOCLAB_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return badInput ? BAD_INPUT : FAILED;
        });
        cli.getCommandSpec().usageMessage().footer("", "Run 'alloclab help COMMAND' for a command's options.");
        cli.setUsageHelpAutoWidth(true);
        return cli.execute(args);
    }

    /**
     * Whether {@code e} comes from the file system — a full disk, a read-only folder, a path through a file:
     * the user's machine, not alloclab, so one line says it, without a stack trace.
     */
    static boolean causedByIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    /** Picocli builds commands through Guice, so commands get their dependencies injected. */
    private record GuiceFactory(Injector injector) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                return injector.getInstance(type);
            } catch (com.google.inject.ConfigurationException e) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }

    /** The version from the jar's manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"alloclab " + (v == null ? "development build" : v),
                    "JDK " + System.getProperty("java.runtime.version")};
        }
    }
}
