package org.alloclab.harness;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.alloclab.harness.run.Environment;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Slurm cluster of one node, for tests: Debian's {@code munge} and {@code slurm-wlm}, started here in a
 * folder of the test's own — {@code munged} with a fresh key and its own socket, {@code slurmctld} and
 * {@code slurmd} in the foreground from a generated {@code slurm.conf} (this machine's CPUs and memory,
 * {@code ProctrackType=proctrack/linuxproc}, {@code TaskPlugin=task/none}, free ports) — and stopped by
 * {@link #close()}. Clients reach it with the {@link #environment()}'s {@code SLURM_CONF}.
 *
 * <p>Where Slurm is not installed the test is skipped, saying how to install it; with {@code CI=true} it
 * fails instead, since {@code .ci/run} installs it.
 */
final class SlurmCluster implements AutoCloseable {

    private static final List<String> COMMANDS = List.of("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo");

    private final Path dir;
    private final Path conf;
    private final List<Process> daemons = new ArrayList<>();

    private SlurmCluster(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("slurm.conf");
    }

    /** A running cluster in {@code dir}, or the test skipped (failed with {@code CI=true}) when Slurm is missing. */
    static SlurmCluster start(Path dir) throws Exception {
        List<String> missing = COMMANDS.stream().filter(c -> find(c) == null).toList();
        if (!missing.isEmpty()) {
            String why = "Slurm is not installed here (" + String.join(", ", missing) + " not found): apt-get install"
                    + " slurm-wlm munge, as .ci/run does, to run this test";
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail(why);
            }
            Assumptions.abort(why);
        }
        var cluster = new SlurmCluster(dir);
        try {
            cluster.boot();
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** What a client of this cluster needs in its environment. */
    Map<String, String> environment() {
        return Map.of("SLURM_CONF", conf.toString());
    }

    private void boot() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("spool"));
        Path key = dir.resolve("munge.key");
        byte[] bytes = new byte[1024];
        new SecureRandom().nextBytes(bytes);
        Files.write(key, bytes);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path socket = dir.resolve("munge.sock");
        daemons.add(daemon("munged", List.of(find("munged"), "--foreground", "--force", "--socket=" + socket,
                "--key-file=" + key, "--log-file=" + dir.resolve("munged.log"), "--pid-file=" + dir.resolve("munged.pid"),
                "--seed-file=" + dir.resolve("munged.seed"))));
        awaitFile(socket, "munged");

        String node = Environment.host().split("\\.")[0];
        String user = System.getProperty("user.name");
        long memoryMb = Math.max(512, memoryMb() - 512);
        int cpus = Runtime.getRuntime().availableProcessors();
        Files.writeString(conf, String.join("\n",
                "ClusterName=alloclabtest",
                "SlurmctldHost=" + node + "(127.0.0.1)",
                "AuthType=auth/munge",
                "CredType=cred/munge",
                "AuthInfo=socket=" + socket,
                "SlurmUser=" + user,
                "SlurmdUser=" + user,
                "SlurmctldPort=" + freePort(),
                "SlurmdPort=" + freePort(),
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool"),
                "SlurmctldPidFile=" + dir.resolve("slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("slurmd.pid"),
                "SlurmctldLogFile=" + dir.resolve("slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("slurmd.log"),
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "SchedulerType=sched/backfill",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_Core",
                "ReturnToService=2",
                "MpiDefault=none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "SlurmctldTimeout=30",
                "SlurmdTimeout=30",
                "InactiveLimit=0",
                "KillWait=5",
                "MinJobAge=300",
                "NodeName=" + node + " NodeAddr=127.0.0.1 CPUs=" + cpus + " RealMemory=" + memoryMb + " State=UNKNOWN",
                "PartitionName=debug Nodes=" + node + " Default=YES MaxTime=INFINITE State=UP",
                ""), StandardCharsets.UTF_8);
        daemons.add(daemon("slurmctld", List.of(find("slurmctld"), "-D", "-i", "-f", conf.toString())));
        daemons.add(daemon("slurmd", List.of(find("slurmd"), "-D", "-N", node, "-f", conf.toString())));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String state = "";
        while (System.nanoTime() < end) {
            for (Process d : daemons) {
                if (!d.isAlive()) {
                    throw new AssertionError("a Slurm daemon ended while starting (exit " + d.exitValue() + "): " + logs());
                }
            }
            state = client(List.of("sinfo", "--noheader", "--format=%T")).strip();
            if (state.equals("idle")) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the test cluster's node did not become idle within 60 s (state '" + state + "'): " + logs());
    }

    /** Runs a Slurm client command against this cluster and returns what it printed (stdout and stderr). */
    String client(List<String> command) throws IOException, InterruptedException {
        var pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(environment());
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return text;
    }

    private Process daemon(String name, List<String> command) throws IOException {
        var pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile());
        pb.environment().putAll(environment());
        return pb.start();
    }

    /** The end of the daemons' logs, for a failure's message. */
    String logs() {
        var b = new StringBuilder();
        for (String log : List.of("munged.out", "munged.log", "slurmctld.out", "slurmctld.log", "slurmd.out", "slurmd.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(log), StandardCharsets.ISO_8859_1);
                b.append("\n--- ").append(log).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            } catch (IOException e) {
                // not written
            }
        }
        return b.toString();
    }

    /** Stops the daemons (SIGTERM, then SIGKILL after ten seconds). */
    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process d = daemons.get(i);
            d.destroy();
            try {
                if (!d.waitFor(10, TimeUnit.SECONDS)) {
                    d.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                d.destroyForcibly();
            }
        }
    }

    private static void awaitFile(Path file, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(file)) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " did not start within 20 s");
            }
            Thread.sleep(50);
        }
    }

    private static String find(String command) {
        for (String d : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(d, command))) {
                return Path.of(d, command).toString();
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long memoryMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
            }
        }
        return 1024;
    }
}
