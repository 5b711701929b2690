package org.alloclab.harness.cells;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.alloclab.harness.run.Schema;

/**
 * A cell measured in a JVM of its own, as JMH forks: the same JDK ({@code java.home}) and class path as
 * this one, the options that matter passed on ({@code -D} properties, native access, heap size), then the
 * experiment's {@code jvm-args}, then alloclab's own. The child ({@link CellJvm}) does what {@code alloclab cell
 * DIR ID --in-process} does ({@link CellRunner}): writes its result file and exits; its output goes to
 * {@code cells/ID.log}.
 *
 * <h2>How a cell can end</h2>
 * <ul>
 *   <li>It wrote its result file: {@code ok}, or {@code failed} when its replay threw.</li>
 *   <li>It ran past the time limit: it is killed (with anything it started) and recorded {@code timed_out}.</li>
 *   <li>It died without a result: {@code crashed}, with the signal that killed it (a guard page touched on OS
 *       memory is {@code SIGSEGV}; the kernel's out-of-memory killer and {@code kill -9} are {@code SIGKILL}),
 *       or its exit code, and the first lines of what it left: the JVM's crash log ({@code hs_err}, kept as
 *       {@code cells/ID.hs_err.log}), its out-of-memory message (the child exits on the first
 *       {@link OutOfMemoryError}), or its output.</li>
 * </ul>
 * The child watches this process: if the parent dies (Ctrl-C, {@code kill -9}), the child stops at once
 * instead of measuring for nobody beside a {@code --resume} that has started again.
 *
 * <h2>Start-up</h2>
 * Each child maps the classes the first one loaded from a class-data-sharing archive kept in the temporary
 * folder per JDK and class path ({@code -XX:+AutoCreateSharedArchive}), which saves most of a JVM's start-up;
 * class loading is all it changes, never how code is compiled. With several jobs the archive is only read.
 */
final class CellProcess {

    /** Lines of a crash log, output or error kept in a failure's message. */
    static final int ERROR_LINES = 8;

    private CellProcess() {
    }

    /**
     * Measures {@code cell} in a new JVM and returns its entry (also in its result file).
     *
     * @param jobs    cells measured at once beside this one, recorded with the result
     * @param started told the child's process as soon as it runs, so it can be killed on interruption
     */
    static Map<String, Object> run(Path folder, Plan plan, Cell cell, int jobs, Duration timeout,
                                   java.util.function.Consumer<Process> started) {
        return run(folder, plan, cell, jobs, timeout, started, null);
    }

    /**
     * As {@link #run(Path, Plan, Cell, int, Duration, java.util.function.Consumer)}, telling {@code progress} (when
     * not null) a few times a second how many operations the cell's replays have done, as its JVM reports them.
     */
    static Map<String, Object> run(Path folder, Plan plan, Cell cell, int jobs, Duration timeout,
                                   java.util.function.Consumer<Process> started, java.util.function.LongConsumer progress) {
        Path cells = folder.resolve(Plan.CELLS);
        Path log = cells.resolve(cell.id() + ".log");
        Path crashLog = cells.resolve(cell.id() + ".hs_err.log");
        Path result = CellRunner.resultFile(folder, cell);
        Process p;
        try {
            Files.createDirectories(cells);
            CellRunner.clear(folder, cell);
            List<String> command = command(folder, plan, cell, jobs, crashLog);
            if (progress != null) {
                command.add(progressFile(folder, cell).toAbsolutePath().toString());
            }
            p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            return record(folder, cell, Failures.entry(cell, Schema.CRASHED, "could not start a JVM for the cell: " + e.getMessage()));
        }
        started.accept(p);
        boolean ended = false;
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ended && System.nanoTime() < deadline) {
                long wait = Math.min(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1,
                        progress == null ? Long.MAX_VALUE : 250);
                ended = p.waitFor(wait, TimeUnit.MILLISECONDS);
                if (progress != null) {
                    progress.accept(readProgress(folder, cell));
                }
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return record(folder, cell, Failures.entry(cell, Schema.CRASHED, "interrupted: the experiment was stopped while"
                    + " the cell ran"));
        }
        if (!ended) {
            kill(p);
            var entry = Failures.entry(cell, Schema.TIMED_OUT, "ran past its time limit of " + describe(timeout)
                    + " (cell-timeout) and was killed");
            entry.put(Schema.PID, p.pid());
            entry.put(Schema.OUTPUT_FILE, relative(folder, log));
            return record(folder, cell, entry);
        }
        if (Files.isRegularFile(result)) {
            return JsonFiles.read(result);
        }
        int code = p.exitValue();
        var entry = Failures.entry(cell, Schema.CRASHED, crashReason(code, log, crashLog));
        entry.put(Schema.PID, p.pid());
        entry.put(Schema.EXIT_CODE, code);
        if (code > 128 && code < 128 + 65) {
            entry.put(Schema.SIGNAL, signalName(code - 128));
        }
        if (Files.isRegularFile(crashLog)) {
            entry.put(Schema.CRASH_LOG, relative(folder, crashLog));
        }
        entry.put(Schema.OUTPUT_FILE, relative(folder, log));
        return record(folder, cell, entry);
    }

    /** Where a cell's JVM writes how far it has come, when asked to. */
    static Path progressFile(Path folder, Cell cell) {
        return folder.resolve(Plan.CELLS).resolve(cell.id() + ".progress");
    }

    private static long readProgress(Path folder, Cell cell) {
        try {
            return Long.parseLong(Files.readString(progressFile(folder, cell)).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;                                     // not written yet, or being written
        }
    }

    private static Map<String, Object> record(Path folder, Cell cell, Map<String, Object> entry) {
        JsonFiles.write(CellRunner.resultFile(folder, cell), entry);
        return entry;
    }

    /** Kills {@code p} and whatever it started. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The child's command line. */
    static List<String> command(Path folder, Plan plan, Cell cell, int jobs, Path crashLog) {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (passedOn(arg)) {
                cmd.add(arg);
            }
        }
        cmd.addAll(classDataSharing(jobs));
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.add("-XX:ErrorFile=" + crashLog.toAbsolutePath());
        cmd.addAll(plan.jvmArgs());
        if (cmd.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CellJvm.class.getName());
        cmd.add(folder.toAbsolutePath().toString());
        cmd.add(cell.id());
        cmd.add(String.valueOf(jobs));
        cmd.add(String.valueOf(ProcessHandle.current().pid()));
        return cmd;
    }

    /** The parent's JVM options a cell's JVM gets too: properties, native access, heap and stack sizes. */
    private static boolean passedOn(String arg) {
        return arg.startsWith("-D") || arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe-memory-access")
                || arg.startsWith("-Xmx") || arg.startsWith("-Xss") || arg.startsWith("-ea") || arg.startsWith("-enableassertions");
    }

    /**
     * The options that map the classes of earlier cells' JVMs from an archive in the temporary folder, named by
     * the JDK, the class path and each jar's size and time, so a rebuilt jar gets an archive of its own (the
     * JVM does not remake a stale one); the archives of earlier builds of the same class path are deleted.
     * None when the class path has a folder or a jar whose manifest names more (the JVM archives classes from
     * jars only, and fails its dump otherwise) or the temporary folder cannot be written. Only one job at a time may create the archive.
     */
    private static List<String> classDataSharing(int jobs) {
        String classPath = System.getProperty("java.class.path");
        var jars = new StringBuilder();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(jar) || namesMore(jar)) {
                return List.of();
            }
            try {
                jars.append(Files.size(jar)).append(':').append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
            } catch (IOException e) {
                return List.of();
            }
        }
        String place = hash(System.getProperty("java.home") + "\n" + System.getProperty("java.vm.version") + "\n" + classPath);
        String build = hash(jars.toString());
        if (place == null || build == null) {
            return List.of();
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "alloclab-cds");
        Path archive = dir.resolve(place + "-" + build + ".jsa");
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                return List.of();
            }
            if (!Files.exists(archive)) {
                try (var old = Files.newDirectoryStream(dir, place + "-*.jsa")) {
                    for (Path p : old) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        if (jobs > 1 && !Files.isRegularFile(archive)) {
            return List.of();
        }
        var flags = new ArrayList<String>();
        flags.add("-XX:SharedArchiveFile=" + archive);
        if (jobs == 1) {
            flags.add("-XX:+AutoCreateSharedArchive");
        }
        flags.add("-Xlog:cds=off");
        flags.add("-Xlog:cds+dynamic=off");
        return flags;
    }

    /** Whether {@code jar}'s manifest adds a class path of its own (a test runner's jar does, often with folders). */
    private static boolean namesMore(Path jar) {
        try (var file = new java.util.jar.JarFile(jar.toFile())) {
            var manifest = file.getManifest();
            return manifest != null && manifest.getMainAttributes().getValue("Class-Path") != null;
        } catch (IOException e) {
            return true;
        }
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** Why a child that wrote no result ended, in a few lines. */
    static String crashReason(int code, Path log, Path crashLog) {
        String how;
        if (code > 128 && code < 128 + 65) {
            int signal = code - 128;
            how = "killed by signal " + signal + " (" + signalName(signal) + ")"
                    + (signal == 9 ? ": the kernel's out-of-memory killer, a person, or a scheduler" : "");
        } else {
            how = "exited with code " + code + " without a result";
        }
        List<String> output = lines(log);
        for (String line : output) {
            if (line.contains("java.lang.OutOfMemoryError")) {
                return how + ": out of memory: " + line.trim();
            }
        }
        if (Files.isRegularFile(crashLog)) {
            var head = new ArrayList<String>();
            for (String line : lines(crashLog)) {
                String text = line.startsWith("#") ? line.substring(1).trim() : "";
                if (!text.isEmpty()) {
                    head.add(text);
                }
                if (head.size() == ERROR_LINES || (!line.startsWith("#") && !head.isEmpty())) {
                    break;
                }
            }
            return how + "; the JVM crashed (" + crashLog.getFileName() + "): " + String.join(" | ", head);
        }
        var head = output.stream().map(String::strip).filter(l -> !l.isEmpty()).limit(ERROR_LINES).toList();
        return head.isEmpty() ? how + "; it printed nothing" : how + ": " + String.join(" | ", head);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** SIGSEGV for 11, and so on; {@code signal N} for one without a common name. */
    static String signalName(int signal) {
        return switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            case 24 -> "SIGXCPU";
            default -> "signal " + signal;
        };
    }

    static String describe(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 && s > 0 ? s / 3600 + " h" : s % 60 == 0 && s > 0 ? s / 60 + " min" : d.toMillis() % 1000 == 0 ? s + " s"
                : d.toMillis() + " ms";
    }

    private static String relative(Path folder, Path file) {
        return folder.toAbsolutePath().relativize(file.toAbsolutePath()).toString();
    }
}
