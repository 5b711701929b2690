package org.alloclab.harness.cells;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An experiment's cells as a Slurm job array: one array task per cell, each running {@code alloclab cell DIR
 * N} with the same JDK and class path as the command that submitted it, which writes the cell's result into
 * the experiment's folder. alloclab schedules nothing itself: Slurm decides where and when tasks run,
 * {@code %K} limits how many run at once, and {@code alloclab collect} merges whatever has finished.
 *
 * <h2>What a cluster must share</h2>
 * The experiment's folder, the JDK and alloclab's jars are named by absolute paths in the job script, so
 * the compute nodes must see them at the same paths (a shared file system, as clusters have). The
 * workloads' operations are made before submitting, into the folder, so no task parses a trace.
 *
 * <h2>Arrays larger than the cluster allows</h2>
 * Slurm caps an array's indices ({@code MaxArraySize}, 1001 by default); a plan with more cells is submitted
 * as several arrays of {@value #ARRAY_LIMIT} tasks, each told where its cells start
 * ({@code ALLOCLAB_CELL_OFFSET}).
 */
public final class Slurm {

    /** The most tasks one array of alloclab's has. */
    static final int ARRAY_LIMIT = 1000;
    /** The folder, inside the experiment's, of the job script, the job ids and the tasks' output. */
    public static final String FOLDER = "slurm";
    static final String SCRIPT = "alloclab-cells.sh";
    static final String JOBS = "jobs.json";

    private static final Pattern TIME = Pattern.compile("(\\d+-)?\\d{1,2}(:\\d{2}){0,2}");
    private static final Pattern PARTITION = Pattern.compile("[A-Za-z0-9_.,-]+");

    /**
     * How to submit.
     *
     * @param partition   the partition, or null for the cluster's default
     * @param time        each task's time limit as Slurm writes it (HH:MM:SS, D-HH:MM…), or null
     * @param cpusPerTask CPUs per task, or null for the cluster's default
     * @param throttle    the most tasks running at once ({@code %K}), or null for no limit
     * @param exclusive   whether each task has its node to itself (timings not contended by other tasks)
     */
    public record Options(String partition, String time, Integer cpusPerTask, Integer throttle, boolean exclusive) {

        /** Checks the values, naming the option that is wrong. */
        public Options {
            if (partition != null && !PARTITION.matcher(partition).matches()) {
                throw new IllegalArgumentException("--partition: '" + partition + "' is not a partition name");
            }
            if (time != null && !TIME.matcher(time).matches()) {
                throw new IllegalArgumentException("--time: '" + time + "' is not a Slurm time limit such as 00:30:00,"
                        + " 2:00:00 or 1-00:00:00");
            }
            if (cpusPerTask != null && (cpusPerTask < 1 || cpusPerTask > 4096)) {
                throw new IllegalArgumentException("--cpus-per-task must be from 1 to 4096, was " + cpusPerTask);
            }
            if (throttle != null && (throttle < 1 || throttle > 100_000)) {
                throw new IllegalArgumentException("--throttle must be from 1 to 100000, was " + throttle);
            }
        }
    }

    /** One array job as submitted: its id and the cells it runs, from {@code offset}. */
    public record Job(String id, int offset, int tasks) {
    }

    private Slurm() {
    }

    /** Whether {@code sbatch} is on the PATH. */
    public static boolean available() {
        return onPath("sbatch");
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes the job script of {@code plan} into {@code folder}/slurm and returns it. {@code workingDirectory}
     * is where tasks run (relative paths of the configuration, such as traces, are relative to it).
     */
    public static Path writeScript(Path folder, Plan plan, Options options, Path workingDirectory) {
        Path dir = folder.toAbsolutePath().resolve(FOLDER);
        Path script = dir.resolve(SCRIPT);
        int cells = plan.cells().size();
        int tasks = Math.min(cells, ARRAY_LIMIT);
        var s = new StringBuilder();
        s.append("#!/bin/bash\n");
        s.append("# alloclab: the cells of ").append(folder.toAbsolutePath().resolve(Plan.FILE)).append(" as a Slurm job array,\n");
        s.append("# one task per cell. Each task measures the cell numbered ALLOCLAB_CELL_OFFSET + its array index\n");
        s.append("# (alloclab plan lists them) and writes its result into the experiment's folder; 'alloclab collect\n");
        s.append("# ").append(folder.toAbsolutePath()).append("' merges what has finished. Submit it with\n");
        s.append("#   sbatch --array=0-").append(tasks - 1).append(options.throttle() == null ? "" : "%" + options.throttle())
                .append(" ").append(script).append('\n');
        if (cells > ARRAY_LIMIT) {
            s.append("# and, for the cells past the first ").append(ARRAY_LIMIT).append(", again with\n");
            s.append("#   sbatch --export=ALL,ALLOCLAB_CELL_OFFSET=K --array=0-... (K = ").append(ARRAY_LIMIT)
                    .append(", ").append(2 * ARRAY_LIMIT).append(", ...)\n");
        }
        s.append("#SBATCH --job-name=alloclab-").append(Plan.safe(folder.toAbsolutePath().getFileName().toString())).append('\n');
        s.append("#SBATCH --output=").append(dir).append("/%A_%a.out\n");
        s.append("#SBATCH --chdir=").append(workingDirectory.toAbsolutePath()).append('\n');
        if (options.partition() != null) {
            s.append("#SBATCH --partition=").append(options.partition()).append('\n');
        }
        if (options.time() != null) {
            s.append("#SBATCH --time=").append(options.time()).append('\n');
        }
        if (options.cpusPerTask() != null) {
            s.append("#SBATCH --cpus-per-task=").append(options.cpusPerTask()).append('\n');
        }
        if (options.exclusive()) {
            s.append("#SBATCH --exclusive\n");
        }
        s.append("set -eu\n");
        s.append("# glibc's baseline needs room for a fresh malloc arena per replay thread, as alloclab's launcher gives it.\n");
        s.append("export MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-1024}\"\n");
        s.append("cell=$(( ${ALLOCLAB_CELL_OFFSET:-0} + SLURM_ARRAY_TASK_ID ))\n");
        s.append("exec");
        for (String word : javaCommand()) {
            s.append(' ').append(quote(word));
        }
        s.append(" cell ").append(quote(folder.toAbsolutePath().toString())).append(" \"$cell\"\n");
        try {
            Files.createDirectories(dir);
            Files.writeString(script, s.toString(), StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: sbatch reads the script all the same
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the job script " + script + ": " + e.getMessage(), e);
        }
        return script;
    }

    /** This JVM's command up to its main class: the JDK, the options that matter, the class path. */
    private static List<String> javaCommand() {
        var cmd = new ArrayList<String>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean nativeAccess = false;
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-D") || arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe")
                    || arg.startsWith("-Xmx")) {
                cmd.add(arg);
                nativeAccess |= arg.startsWith("--enable-native-access");
            }
        }
        if (!nativeAccess) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.alloclab.harness.Main");
        return cmd;
    }

    private static String quote(String word) {
        return word.matches("[A-Za-z0-9_./:=,@%+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * Submits the script of {@code plan} with {@code sbatch}: one array of up to {@value #ARRAY_LIMIT} tasks
     * per part of the plan. Records the jobs in {@code folder}/slurm/jobs.json and returns them.
     *
     * @throws IllegalStateException with sbatch's message when it refuses
     */
    public static List<Job> submit(Path folder, Plan plan, Path script, Options options) {
        int cells = plan.cells().size();
        var jobs = new ArrayList<Job>();
        for (int offset = 0; offset < cells; offset += ARRAY_LIMIT) {
            int tasks = Math.min(ARRAY_LIMIT, cells - offset);
            var cmd = new ArrayList<String>(List.of("sbatch", "--parsable",
                    "--array=0-" + (tasks - 1) + (options.throttle() == null ? "" : "%" + options.throttle())));
            if (offset > 0) {
                cmd.add("--export=ALL,ALLOCLAB_CELL_OFFSET=" + offset);
            }
            cmd.add(script.toString());
            String out = command(cmd, Duration.ofMinutes(2));
            String id = out.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("").trim();
            if (id.contains(";")) {
                id = id.substring(0, id.indexOf(';'));           // "id;cluster" on a federation
            }
            if (!id.matches("\\d+")) {
                throw new IllegalStateException("sbatch did not answer with a job id: " + out.strip());
            }
            jobs.add(new Job(id, offset, tasks));
        }
        var record = new LinkedHashMap<String, Object>();
        record.put("submitted", Instant.now().toString());
        record.put("script", script.toString());
        record.put("jobs", jobs.stream().map(j -> Map.of("id", j.id(), "offset", j.offset(), "tasks", j.tasks())).toList());
        JsonFiles.write(folder.resolve(FOLDER).resolve(JOBS), record);
        return jobs;
    }

    /** The jobs submitted for the experiment in {@code folder}, or none when it was not submitted to Slurm. */
    public static List<Job> jobs(Path folder) {
        Path file = folder.resolve(FOLDER).resolve(JOBS);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        var list = new ArrayList<Job>();
        if (JsonFiles.read(file).get("jobs") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m) {
                    list.add(new Job(String.valueOf(m.get("id")), ((Number) m.get("offset")).intValue(),
                            ((Number) m.get("tasks")).intValue()));
                }
            }
        }
        return list;
    }

    /**
     * The state Slurm gives each cell of {@code jobs} still in its queue (PENDING, RUNNING, …), by the
     * cell's number in the run order; a cell that is not there has ended (or was never queued).
     *
     * @throws IllegalStateException when squeue cannot be asked
     */
    public static Map<Integer, String> queue(List<Job> jobs) {
        var states = new TreeMap<Integer, String>();
        if (jobs.isEmpty()) {
            return states;
        }
        var ids = String.join(",", jobs.stream().map(Job::id).toList());
        String out = command(List.of("squeue", "--noheader", "--array", "--jobs=" + ids, "--format=%F %K %T"),
                Duration.ofMinutes(1));
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 3) {
                continue;
            }
            for (Job j : jobs) {
                if (j.id().equals(f[0])) {
                    for (int task : taskNumbers(f[1], j.tasks())) {
                        states.put(j.offset() + task, f[2]);
                    }
                }
            }
        }
        return states;
    }

    /** The array indices squeue writes for a line: {@code 7}, or {@code [3-9%2]}, {@code [1,4-6]} for tasks not yet started. */
    static List<Integer> taskNumbers(String text, int tasks) {
        String t = text.replace("[", "").replace("]", "");
        int percent = t.indexOf('%');
        if (percent >= 0) {
            t = t.substring(0, percent);
        }
        var list = new ArrayList<Integer>();
        if (t.equals("N/A") || t.isEmpty()) {
            return list;
        }
        for (String part : t.split(",")) {
            if (part.contains("-")) {
                String[] r = part.split("-");
                int from = Integer.parseInt(r[0]);
                int to = Math.min(Integer.parseInt(r[1]), tasks - 1);
                for (int i = from; i <= to; i++) {
                    list.add(i);
                }
            } else if (part.matches("\\d+")) {
                list.add(Integer.parseInt(part));
            }
        }
        return list;
    }

    /** Runs {@code cmd} and returns what it printed; throws with its output when it fails or hangs. */
    static String command(List<String> cmd, Duration limit) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not answer within " + limit.toSeconds() + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(cmd.getFirst() + " failed (exit code " + p.exitValue() + "): " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + ": " + e.getMessage()
                    + " (is Slurm installed, and its client commands on the PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + cmd.getFirst() + " ran", e);
        }
    }
}
