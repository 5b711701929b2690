package org.alloclab.harness.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The machine and build a run happened on, so results.json says what produced its figures. */
public final class Environment {

    private Environment() {
    }

    /**
     * JDK, OS, CPU model and count, and which alloclab ran: the folder it was loaded from, its version, and
     * the git commit of that folder when it is a checkout.
     */
    public static Map<String, Object> describe() {
        var env = new LinkedHashMap<String, Object>();
        env.put(Schema.JDK, System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        env.put(Schema.OS, System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put(Schema.HOST, host());
        env.put(Schema.CPU_MODEL, cpuModel());
        env.put(Schema.CPU_COUNT, Runtime.getRuntime().availableProcessors());
        env.put(Schema.PHYSICAL_MEMORY_BYTES, physicalMemory());
        Path home = home();
        env.put(Schema.GIT_COMMIT, gitCommit(home));
        env.put(Schema.ALLOCLAB_HOME, home.toString());
        env.put(Schema.ALLOCLAB_VERSION, version());
        env.put(Schema.TIMER_OVERHEAD_NS, timerOverhead());
        return env;
    }

    /**
     * The median cost of one {@code System.nanoTime()} pair, as the replayer times each operation: every
     * latency in the results includes it once.
     */
    static long timerOverhead() {
        long[] samples = new long[20_001];
        for (int round = 0; round < 3; round++) {            // the first rounds warm the loop up
            for (int i = 0; i < samples.length; i++) {
                long t0 = System.nanoTime();
                samples[i] = System.nanoTime() - t0;
            }
        }
        java.util.Arrays.sort(samples);
        return samples[samples.length / 2];
    }

    /**
     * The bytes of physical memory this JVM's machine has, as the JVM sees it (inside a container, the container's
     * limit), or, when the JVM cannot tell, {@code MemTotal} of {@code /proc/meminfo}; 16 GiB when neither is known.
     * What the harness's ceilings ({@code max-request}, the touch limit) are fractions of.
     */
    public static long physicalMemory() {
        try {
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0) {
                return os.getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError e) {
            // not a HotSpot-like JVM: ask the kernel
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 16L << 30;
    }

    /** This machine's name: what a cluster's node is called, so results measured on two machines can be told apart. */
    public static String host() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (IOException | RuntimeException e) {
                try {
                    name = java.net.InetAddress.getLocalHost().getHostName();
                } catch (java.net.UnknownHostException u) {
                    name = "unknown";
                }
            }
        }
        return name;
    }

    /** The CPU's model as the system names it, or "unknown". */
    public static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: say so below
        }
        return "unknown";
    }

    /**
     * The folder alloclab was loaded from: the one holding the {@code alloclab} launcher above its classes
     * or jar ({@code harness/target/classes} or {@code harness/target/harness.jar} of a checkout), else the
     * folder of the classes or jar themselves. Not the working directory: alloclab is run from anywhere,
     * and a commit read there would be another project's, or none.
     */
    public static Path home() {
        Path code;
        try {
            code = Path.of(Environment.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();          // no code source (an unusual class loader)
        }
        for (Path p = code; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("alloclab")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        return Files.isDirectory(code) ? code : code.getParent();
    }

    /** alloclab's version from its jar's manifest, or "development build" when it runs from classes. */
    public static String version() {
        String v = Environment.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /**
     * The commit checked out in {@code home}, with "-modified" when tracked files differ from it; "unknown"
     * when {@code home} is not the top of a git checkout (an unpacked copy, or one inside another project's
     * repository, whose commit would say nothing of alloclab) or git is not installed.
     */
    static String gitCommit(Path home) {
        try {
            String[] out = git(home, "rev-parse", "--show-toplevel", "HEAD").split("\n");
            if (out.length == 2 && out[1].matches("[0-9a-f]{40}")
                    && Path.of(out[0]).toRealPath().equals(home.toRealPath())) {
                boolean modified = !git(home, "status", "--porcelain", "--untracked-files=no").isBlank();
                return modified ? out[1] + "-modified" : out[1];
            }
        } catch (IOException e) {
            // no git on this machine, or not a checkout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        var cmd = new java.util.ArrayList<String>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroy();
            throw new IOException("git " + String.join(" ", args) + " failed in " + dir);
        }
        return out;
    }
}
