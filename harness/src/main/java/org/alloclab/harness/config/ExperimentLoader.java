package org.alloclab.harness.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import jakarta.inject.Inject;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.LayerProvider;
import org.alloclab.api.Parameters;
import org.alloclab.api.Provider;
import org.alloclab.api.Registry;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemoryProvider;
import org.alloclab.debug.GuardLayer;
import org.alloclab.harness.workload.WorkloadProvider;

/**
 * Reads an experiment from HOCON: the built-in {@code reference.conf}, overridden by a user's file. The
 * user's file is checked key by key against what exists — the fixed settings of {@code reference.conf},
 * and the parameters each named strategy, virtual memory and workload declares — so a misspelt key is an
 * error naming its path and its file and line, never silently ignored.
 */
public final class ExperimentLoader {

    private static final String ROOT = "alloclab";
    private static final Set<String> TOP_KEYS = Set.of("seed", "warmup-runs", "latency-sampling", "touch", "max-request",
            "heap-map",
            "threads", "output", "virtual-memory", "strategies", "workloads", "layers", "repetitions", "fork", "jvm-args",
            "cell-timeout", "jobs", "measured-replays");
    /** The virtual memories' parameter that puts a commit cache over them (os and simulated declare it). */
    private static final String COMMIT_CACHE = "commit-cache";
    /** The most repetitions of a cell an experiment may ask for. */
    public static final int MAX_REPETITIONS = 1000;
    /** The most threads a run may have: platform threads, one per stream, on machines of today. */
    public static final int MAX_THREADS = 512;

    private final Registry<AllocatorProvider> strategies;
    private final Registry<VirtualMemoryProvider> virtualMemories;
    private final Registry<WorkloadProvider> workloads;
    private final Registry<LayerProvider> layers;

    /** A loader that resolves names against these registries. */
    @Inject
    public ExperimentLoader(Registry<AllocatorProvider> strategies, Registry<VirtualMemoryProvider> virtualMemories,
                            Registry<WorkloadProvider> workloads, Registry<LayerProvider> layers) {
        this.strategies = strategies;
        this.virtualMemories = virtualMemories;
        this.workloads = workloads;
        this.layers = layers;
    }

    /** A loader with the layers on the class path. */
    public ExperimentLoader(Registry<AllocatorProvider> strategies, Registry<VirtualMemoryProvider> virtualMemories,
                            Registry<WorkloadProvider> workloads) {
        this(strategies, virtualMemories, workloads, Registry.layers());
    }

    /** The built-in default experiment. */
    public Experiment loadDefault() {
        return build(reference(), "built-in default");
    }

    /**
     * The experiment of {@code file}, over the built-in defaults.
     *
     * @throws ConfigurationException naming the file, line and key of the first problem
     */
    public Experiment load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigurationException("configuration file " + file + " does not exist or is not a file");
        }
        // HOCON finds a file's includes beside it only when the path names a folder: "my.conf" gets "./".
        Path parsed = file.getParent() == null ? Path.of(".").resolve(file) : file;
        String text;
        try {
            text = Files.readString(parsed);
        } catch (java.io.IOException | RuntimeException e) {
            throw new ConfigurationException("configuration file " + file + " cannot be read: " + e.getMessage(), e);
        }
        var includes = RequiredIncludes.reading(new RequiredIncludes.Source(file.toString(), text,
                parsed.toAbsolutePath().getParent()));
        Config user;
        try {
            user = ConfigFactory.parseFile(parsed.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)
                    .setSyntax(ConfigSyntax.CONF).setIncluder(includes));
        } catch (ConfigException e) {
            throw new ConfigurationException(describe(e), e);
        }
        checkUserKeys(user);
        try {
            return build(user.withFallback(reference()).resolve(), file.toString());
        } catch (ConfigException e) {
            throw new ConfigurationException(describe(e), e);
        }
    }

    /** {@code text} parsed as a configuration, for tests and inline experiments. */
    public Experiment parse(String text, String source) {
        Config user;
        try {
            user = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(source)
                    .setIncluder(RequiredIncludes.reading(new RequiredIncludes.Source(source, text, null))));
        } catch (ConfigException e) {
            throw new ConfigurationException(describe(e), e);
        }
        checkUserKeys(user);
        try {
            return build(user.withFallback(reference()).resolve(), source);
        } catch (ConfigException e) {
            throw new ConfigurationException(describe(e), e);
        }
    }

    /**
     * What the HOCON parser said, as "file:line: what", like every other message of the loader. Its own
     * message begins with where already ("my.conf: 3: Expecting ..."), so where is written once, not
     * prefixed again.
     */
    static String describe(ConfigException e) {
        ConfigOrigin o = e.origin();
        String message = e.getMessage();
        if (o == null) {
            return message;
        }
        String said = o.description() + ": ";
        return where(o) + (message.startsWith(said) ? message.substring(said.length()) : message);
    }

    private static Config reference() {
        return ConfigFactory.parseResources(ExperimentLoader.class.getClassLoader(), "reference.conf").resolve();
    }

    /** The fixed part of the schema: keys the user wrote must exist; parameter maps are checked later. */
    private void checkUserKeys(Config user) {
        ConfigObject root = user.root();
        for (String key : root.keySet()) {
            if (!key.equals(ROOT)) {
                throw unknown(key, root.get(key), Set.of(ROOT), "every setting lives under alloclab { }");
            }
        }
        if (!root.containsKey(ROOT)) {
            return;
        }
        ConfigObject top = object(root.get(ROOT), ROOT);
        for (String key : top.keySet()) {
            if (!TOP_KEYS.contains(key)) {
                throw unknown(ROOT + "." + key, top.get(key), TOP_KEYS, null);
            }
        }
        if (top.containsKey("virtual-memory")) {
            ConfigObject vm = object(top.get("virtual-memory"), ROOT + ".virtual-memory");
            var allowed = new HashSet<String>(virtualMemories.names());
            allowed.add("kind");
            for (String key : vm.keySet()) {
                if (!allowed.contains(key)) {
                    throw unknown(ROOT + ".virtual-memory." + key, vm.get(key), allowed,
                            "parameters of a kind go under its name, e.g. os { granularity = 64KiB }");
                }
            }
        }
    }

    private Experiment build(Config c, String source) {
        Config a = c.getConfig(ROOT);
        long seed = get(a, "seed", () -> a.getLong("seed"));
        int warmupRuns = get(a, "warmup-runs", () -> a.getInt("warmup-runs"));
        if (warmupRuns < 0 || warmupRuns > 100) {
            throw new ConfigurationException(where(a.getValue("warmup-runs")) + ROOT + ".warmup-runs: must be from 0 to 100, was "
                    + warmupRuns);
        }
        int latencySampling = get(a, "latency-sampling", () -> a.getInt("latency-sampling"));
        if (latencySampling < 1 || latencySampling > 1024 || Integer.bitCount(latencySampling) != 1) {
            throw new ConfigurationException(where(a.getValue("latency-sampling")) + ROOT
                    + ".latency-sampling: must be a power of two from 1 to 1024, was " + latencySampling);
        }
        String touch = get(a, "touch", () -> a.getString("touch"));
        if (!Set.of("none", "first", "all").contains(touch)) {
            throw new ConfigurationException(where(a.getValue("touch")) + ROOT + ".touch: must be none, first or all, was '"
                    + touch + "'");
        }
        long maxRequest;
        try {
            maxRequest = maxRequest(get(a, "max-request", () -> a.getValue("max-request").unwrapped()).toString());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where(a.getValue("max-request")) + ROOT + ".max-request: " + e.getMessage(), e);
        }
        double heapMapAt = heapMap(a);
        List<Integer> threads = threads(a);
        Experiment.Execution execution = execution(a);
        Path output = Path.of(get(a, "output", () -> a.getString("output")));

        var vms = new ArrayList<Experiment.VirtualMemorySpec>();
        for (String kind : stringOrList(a, "virtual-memory.kind")) {
            VirtualMemoryProvider provider = lookup(virtualMemories, kind, a.getValue("virtual-memory.kind"));
            ConfigValue section = a.hasPath("virtual-memory." + quote(kind)) ? a.getValue("virtual-memory." + quote(kind)) : null;
            String path = ROOT + ".virtual-memory." + kind;
            Map<String, Object> given = section == null ? Map.of() : object(section, path).unwrapped();
            for (Variant v : Sweep.expand(given)) {
                var definition = new LinkedHashMap<String, Object>();
                definition.put("kind", kind);
                definition.put(kind, v.values());
                vms.add(new Experiment.VirtualMemorySpec(kind + v.suffix(), provider,
                        resolve(provider, v.values(), section == null ? a.getValue("virtual-memory.kind") : section, path),
                        definition));
            }
        }

        List<Experiment.LayerSpec> around = layers(a.getValue("layers"), ROOT + ".layers");
        List<Object> aroundDefinitions = unwrappedList(a.getValue("layers"));
        var strategySpecs = new ArrayList<Experiment.StrategySpec>();
        var labels = new HashSet<String>();
        List<? extends ConfigObject> strategyList = list(a, "strategies");
        for (int i = 0; i < strategyList.size(); i++) {
            String path = ROOT + ".strategies[" + i + "]";
            ConfigObject entry = strategyList.get(i);
            checkKeys(entry, path, Set.of("name", "label", "parameters", "layers"));
            String name = string(entry, "name", path);
            AllocatorProvider provider = lookup(strategies, name, entry.get("name"));
            var unavailable = provider.unavailable();
            if (unavailable.isPresent()) {
                throw new ConfigurationException(where(entry.get("name")) + path + ".name: strategy '" + name
                        + "' cannot run on this machine: " + unavailable.get());
            }
            List<Experiment.LayerSpec> own = entry.containsKey("layers") ? layers(entry.get("layers"), path + ".layers")
                    : List.of();
            var wrapped = new ArrayList<>(own);
            wrapped.addAll(around);
            if (guarded(own)) {
                refuseCommitCache(vms, entry.get("layers"), path + ".layers");
            } else if (guarded(around)) {
                refuseCommitCache(vms, a.getValue("layers"), ROOT + ".layers");
            }
            var layerDefinitions = new ArrayList<Object>(entry.containsKey("layers") ? unwrappedList(entry.get("layers"))
                    : List.of());
            layerDefinitions.addAll(aroundDefinitions);
            String base = entry.containsKey("label") ? string(entry, "label", path) : name + layerSuffix(wrapped);
            ConfigValue section = entry.get("parameters");
            Map<String, Object> given = section == null ? Map.of() : object(section, path + ".parameters").unwrapped();
            for (Variant v : Sweep.expand(given)) {
                String label = base + v.suffix();
                if (!labels.add(label)) {
                    throw new ConfigurationException(where(entry) + path + ": two strategies are labelled '" + label
                            + "'; give one a label = \"...\" of its own");
                }
                var definition = new LinkedHashMap<String, Object>();
                definition.put("name", name);
                definition.put("label", label);
                definition.put("parameters", v.values());
                definition.put("layers", layerDefinitions);
                strategySpecs.add(new Experiment.StrategySpec(label, provider,
                        resolve(provider, v.values(), section == null ? entry : section, path + ".parameters"),
                        List.copyOf(wrapped), definition));
            }
        }

        var workloadSpecs = new ArrayList<Experiment.WorkloadSpec>();
        List<? extends ConfigObject> workloadList = list(a, "workloads");
        for (int i = 0; i < workloadList.size(); i++) {
            String path = ROOT + ".workloads[" + i + "]";
            ConfigObject entry = workloadList.get(i);
            String type = string(entry, "type", path);
            WorkloadProvider provider = lookup(workloads, type, entry.get("type"));
            var params = new LinkedHashMap<String, Object>(entry.unwrapped());
            params.remove("type");
            params.remove("name");
            String name = entry.containsKey("name") ? string(entry, "name", path) : type;
            for (Variant v : Sweep.expand(params)) {
                Parameters resolved = resolve(provider, v.values(), entry, path);
                var definition = new LinkedHashMap<String, Object>();
                definition.put("type", type);
                definition.put("name", name + v.suffix());
                definition.putAll(v.values());
                workloadSpecs.add(new Experiment.WorkloadSpec(name + v.suffix(), provider, resolved,
                        workloadSeed(seed, type, resolved), definition));
            }
        }
        if (strategySpecs.isEmpty() || workloadSpecs.isEmpty()) {
            throw new ConfigurationException(source + ": an experiment needs at least one strategy and one workload");
        }
        Map<String, Object> rendered = a.root().unwrapped();
        return new Experiment(source, seed, warmupRuns, latencySampling, touch, maxRequest, heapMapAt, threads, execution,
                output,
                List.copyOf(vms), List.copyOf(strategySpecs), List.copyOf(workloadSpecs), rendered);
    }

    /**
     * The seed of a workload's operations: the experiment's seed mixed with the workload's type and every
     * parameter's value (defaults included, in name order), through SplitMix64's finaliser. Not its place
     * in the list, nor its name: adding, removing or reordering workloads, or renaming one, leaves the
     * operations of every other as they were.
     */
    static long workloadSeed(long experimentSeed, String type, Parameters parameters) {
        String definition = type + new java.util.TreeMap<>(parameters.asMap());
        long h = experimentSeed;
        for (byte b : definition.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        return mix(h + definition.length());
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A list as plain values (strings, numbers, maps), as a configuration would write it again. */
    private static List<Object> unwrappedList(ConfigValue v) {
        return v.valueType() == ConfigValueType.LIST ? new ArrayList<>(((com.typesafe.config.ConfigList) v).unwrapped())
                : List.of();
    }

    /** {@code repetitions}, {@code fork}, {@code jvm-args}, {@code cell-timeout}, {@code jobs} and {@code measured-replays}. */
    private static Experiment.Execution execution(Config a) {
        int repetitions = get(a, "repetitions", () -> a.getInt("repetitions"));
        if (repetitions < 1 || repetitions > MAX_REPETITIONS) {
            throw new ConfigurationException(where(a.getValue("repetitions")) + ROOT + ".repetitions: must be from 1 to "
                    + MAX_REPETITIONS + ", was " + repetitions);
        }
        boolean fork = get(a, "fork", () -> a.getBoolean("fork"));
        List<String> jvmArgs;
        try {
            jvmArgs = a.getStringList("jvm-args");
        } catch (ConfigException.WrongType e) {
            throw new ConfigurationException(where(a.getValue("jvm-args")) + ROOT
                    + ".jvm-args: must be a list of JVM options, like [\"-Xmx2g\", \"-XX:+UseParallelGC\"]", e);
        }
        for (String arg : jvmArgs) {
            if (!arg.startsWith("-") || arg.startsWith("-cp") || arg.startsWith("-classpath")
                    || arg.startsWith("--class-path") || arg.equals("-jar")) {
                throw new ConfigurationException(where(a.getValue("jvm-args")) + ROOT + ".jvm-args: '" + arg
                        + "' is not a JVM option alloclab can pass on (an option starts with '-'; the class path is"
                        + " the parent's own)");
            }
        }
        java.time.Duration timeout;
        try {
            timeout = a.getDuration("cell-timeout");
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw new ConfigurationException(where(a.getValue("cell-timeout")) + ROOT
                    + ".cell-timeout: must be a duration like 90s, 10m or 2h", e);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigurationException(where(a.getValue("cell-timeout")) + ROOT + ".cell-timeout: must be positive, was "
                    + a.getValue("cell-timeout").unwrapped());
        }
        int jobs = get(a, "jobs", () -> a.getInt("jobs"));
        if (jobs < 1 || jobs > 1024) {
            throw new ConfigurationException(where(a.getValue("jobs")) + ROOT + ".jobs: must be from 1 to 1024, was " + jobs);
        }
        if (jobs > 1 && !fork) {
            throw new ConfigurationException(where(a.getValue("jobs")) + ROOT + ".jobs: " + jobs + " cells at once need a"
                    + " JVM each; with fork = false every cell runs in this JVM, one at a time");
        }
        int measured = get(a, "measured-replays", () -> a.getInt("measured-replays"));
        if (measured < 1 || measured > 100) {
            throw new ConfigurationException(where(a.getValue("measured-replays")) + ROOT
                    + ".measured-replays: must be from 1 to 100, was " + measured);
        }
        return new Experiment.Execution(repetitions, fork, List.copyOf(jvmArgs), timeout, jobs, measured);
    }

    /**
     * A list of layers, innermost first: each a name ({@code red-zones}) or an object with {@code name} and
     * the layer's parameters beside it ({@code { name = budget, bytes = 8MiB }}).
     */
    private List<Experiment.LayerSpec> layers(ConfigValue v, String path) {
        if (v.valueType() != ConfigValueType.LIST) {
            throw new ConfigurationException(where(v) + path + ": must be a list of layers, like [red-zones,"
                    + " { name = budget, bytes = 8MiB }] (known: " + String.join(", ", layers.names()) + ")");
        }
        var out = new ArrayList<Experiment.LayerSpec>();
        var list = (com.typesafe.config.ConfigList) v;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue item = list.get(i);
            String at = path + "[" + i + "]";
            if (item.valueType() == ConfigValueType.STRING) {
                LayerProvider p = lookup(layers, (String) item.unwrapped(), item);
                out.add(new Experiment.LayerSpec(p, resolve(p, Map.of(), item, at)));
            } else if (item.valueType() == ConfigValueType.OBJECT) {
                ConfigObject o = (ConfigObject) item;
                LayerProvider p = lookup(layers, string(o, "name", at), o.get("name"));
                var params = new LinkedHashMap<String, Object>(o.unwrapped());
                params.remove("name");
                out.add(new Experiment.LayerSpec(p, resolve(p, params, o, at)));
            } else {
                throw new ConfigurationException(where(item) + at + ": a layer is a name or { name = ..., parameters }");
            }
        }
        return out;
    }

    private static boolean guarded(List<Experiment.LayerSpec> layers) {
        return layers.stream().anyMatch(l -> l.provider().name().equals(GuardLayer.NAME));
    }

    /**
     * Refuses guard pages over a commit cache, as the README's "Debugging layers" says not to combine them:
     * the guards layer makes a guard page by decommitting it, and a commit cache keeps a decommitted page
     * committed underneath, so an overrun would write into it unseen and the run would report no fault.
     */
    private static void refuseCommitCache(List<Experiment.VirtualMemorySpec> vms, ConfigValue at, String path) {
        for (Experiment.VirtualMemorySpec vm : vms) {
            if (vm.parameters().asMap().get(COMMIT_CACHE) instanceof Long cache && cache > 0) {
                throw new ConfigurationException(where(at) + path + ": the guards layer cannot be combined with a"
                        + " commit cache, and virtual memory '" + vm.label() + "' has commit-cache = "
                        + Sizes.format(cache) + ": the cache keeps the pages guards decommits committed, so an overrun"
                        + " of a block would go unnoticed. Run guards over a virtual memory with commit-cache = 0, or"
                        + " measure the commit cache without guards");
            }
        }
    }

    /** What a strategy's label gets for its layers: {@code " + red-zones + budget"}, or nothing. */
    private static String layerSuffix(List<Experiment.LayerSpec> layers) {
        var b = new StringBuilder();
        for (Experiment.LayerSpec l : layers) {
            b.append(" + ").append(l.provider().name());
        }
        return b.toString();
    }

    /**
     * {@code max-request} in bytes: a size as a configuration writes one ({@code 1048576}, {@code 64MiB}, {@code 2GiB})
     * or a percentage of this machine's physical memory ({@code 25%}, from above 0 to 100). Shared with the command
     * line's {@code --max-request}.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}, without the key's name
     */
    public static long maxRequest(String text) {
        String t = text.trim();
        if (t.endsWith("%")) {
            double percent;
            try {
                percent = Double.parseDouble(t.substring(0, t.length() - 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be a size like 64MiB or a percentage of the physical memory like"
                        + " 25%, was '" + text + "'", e);
            }
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("a percentage of the physical memory must be above 0% and at most 100%,"
                        + " was '" + text + "'");
            }
            return Math.max(1, (long) (org.alloclab.harness.run.Environment.physicalMemory() * (percent / 100)));
        }
        long bytes;
        try {
            bytes = ConfigFactory.parseString("b = \"" + t.replace("\"", "") + "\"").getBytes("b");
        } catch (ConfigException e) {
            throw new IllegalArgumentException("must be a size like 64MiB or a percentage of the physical memory like 25%,"
                    + " was '" + text + "'", e);
        }
        if (bytes < 1) {
            throw new IllegalArgumentException("must be at least 1 byte, was '" + text + "'");
        }
        return bytes;
    }

    /** {@code heap-map}: peak, off, or a fraction of the operations in (0, 1]. */
    private static double heapMap(Config a) {
        String text = get(a, "heap-map", () -> a.getString("heap-map"));
        try {
            return heapMapMoment(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where(a.getValue("heap-map")) + ROOT + ".heap-map: " + e.getMessage(), e);
        }
    }

    /**
     * When a run records its heap map, as written in {@code heap-map} or {@code alloclab replay --heap-map}:
     * -1 for {@code peak}, 0 for {@code off}, else the fraction of the operations.
     *
     * @throws IllegalArgumentException saying what is accepted, and what was given
     */
    public static double heapMapMoment(String text) {
        String t = text.trim();
        switch (t) {
            case "peak" -> {
                return -1;
            }
            case "off" -> {
                return 0;
            }
            default -> {
                try {
                    double at = Double.parseDouble(t);
                    if (at > 0 && at <= 1) {
                        return at;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new IllegalArgumentException("must be peak, off, or a fraction of the operations in (0, 1], was '"
                        + t + "'");
            }
        }
    }

    /** {@code threads}: a count or a list of counts (a sweep), each from 1 to {@link #MAX_THREADS}, none twice. */
    private static List<Integer> threads(Config a) {
        ConfigValue v = a.getValue("threads");
        List<Integer> counts;
        try {
            counts = v.valueType() == ConfigValueType.LIST ? a.getIntList("threads") : List.of(a.getInt("threads"));
        } catch (ConfigException.WrongType e) {
            throw new ConfigurationException(where(v) + ROOT + ".threads: must be a number of threads or a list of them,"
                    + " like 2 or [1, 2, 4]", e);
        }
        if (counts.isEmpty()) {
            throw new ConfigurationException(where(v) + ROOT + ".threads: needs at least one value");
        }
        for (int n : counts) {
            if (n < 1 || n > MAX_THREADS) {
                throw new ConfigurationException(where(v) + ROOT + ".threads: must be from 1 to " + MAX_THREADS + ", was " + n);
            }
        }
        if (new HashSet<>(counts).size() != counts.size()) {
            throw new ConfigurationException(where(v) + ROOT + ".threads: " + counts + " names a count twice");
        }
        return List.copyOf(counts);
    }

    /** One combination of a sweep: the values, and what tells it apart in a label ("" when nothing was swept). */
    record Variant(Map<String, Object> values, String suffix) {
    }

    /** A list of values for a parameter is a sweep: one variant per combination, in the order written. */
    static final class Sweep {
        private Sweep() {
        }

        static List<Variant> expand(Map<String, Object> given) {
            var variants = new ArrayList<Variant>();
            variants.add(new Variant(new LinkedHashMap<>(), ""));
            for (Map.Entry<String, Object> e : given.entrySet()) {
                List<?> values = e.getValue() instanceof List<?> list ? list : List.of(e.getValue());
                if (values.isEmpty()) {
                    throw new ConfigurationException("parameter '" + e.getKey() + "' has an empty list of values");
                }
                var next = new ArrayList<Variant>();
                for (Variant v : variants) {
                    for (Object value : values) {
                        var map = new LinkedHashMap<>(v.values());
                        map.put(e.getKey(), value);
                        String suffix = values.size() == 1 ? v.suffix()
                                : (v.suffix().isEmpty() ? " " : v.suffix() + ",") + e.getKey() + "=" + value;
                        next.add(new Variant(map, suffix));
                    }
                }
                variants = next;
            }
            return variants;
        }
    }

    private static Parameters parameters(Provider provider, ConfigValue section, String path) {
        if (section == null) {
            return provider.resolve(Map.of());
        }
        ConfigObject object = object(section, path);
        return resolve(provider, object.unwrapped(), object, path);
    }

    private static Parameters resolve(Provider provider, Map<String, ?> values, ConfigValue at, String path) {
        try {
            return provider.resolve(values);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where(at) + path + ": " + e.getMessage(), e);
        }
    }

    private static <P extends Provider> P lookup(Registry<P> registry, String name, ConfigValue at) {
        try {
            return registry.get(name);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(where(at) + e.getMessage(), e);
        }
    }

    private static List<String> stringOrList(Config a, String path) {
        ConfigValue v = a.getValue(path);
        List<String> values = v.valueType() == ConfigValueType.LIST ? a.getStringList(path) : List.of(a.getString(path));
        if (values.isEmpty()) {
            throw new ConfigurationException(where(v) + ROOT + "." + path + ": needs at least one value");
        }
        return values;
    }

    private static List<? extends ConfigObject> list(Config a, String path) {
        try {
            return a.getObjectList(path);
        } catch (ConfigException.WrongType e) {
            throw new ConfigurationException(where(a.getValue(path)) + ROOT + "." + path
                    + ": must be a list of objects like [ { name = linear } ]", e);
        }
    }

    private static void checkKeys(ConfigObject entry, String path, Set<String> allowed) {
        for (String key : entry.keySet()) {
            if (!allowed.contains(key)) {
                throw unknown(path + "." + key, entry.get(key), allowed, null);
            }
        }
    }

    private static String string(ConfigObject entry, String key, String path) {
        ConfigValue v = entry.get(key);
        if (v == null) {
            throw new ConfigurationException(where(entry) + path + ": missing '" + key + "'");
        }
        if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
            throw new ConfigurationException(where(v) + path + "." + key + ": must be a string, was " + v.valueType());
        }
        return v.unwrapped().toString();
    }

    private static ConfigObject object(ConfigValue v, String path) {
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigurationException(where(v) + path + ": must be an object { ... }, was " + v.valueType());
        }
        return (ConfigObject) v;
    }

    private static <T> T get(Config a, String key, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException.WrongType e) {
            throw new ConfigurationException(where(a.getValue(key)) + ROOT + "." + key + ": " + e.getMessage(), e);
        }
    }

    private static ConfigurationException unknown(String path, ConfigValue at, Set<String> allowed, String hint) {
        return new ConfigurationException(where(at) + "unknown key '" + path + "' (expected one of: "
                + String.join(", ", new java.util.TreeSet<>(allowed)) + ")" + (hint == null ? "" : "; " + hint));
    }

    /** "file:line: " for a value, or "" when it has no origin in a file. */
    static String where(ConfigValue v) {
        return v == null ? "" : where(v.origin());
    }

    /**
     * "file:line: " for an origin; a file named as "./my.conf" (see {@link #load}) as "my.conf". A section
     * the user's file and {@code reference.conf} both write has a merged origin, "merge of my.conf: 2,reference.conf
     * @ jar:…: 89": the user's file, first, is where to look.
     */
    private static String where(ConfigOrigin o) {
        String file = o.filename() != null ? o.filename() : o.resource() != null ? o.resource() : o.description();
        if (o.filename() == null && o.resource() == null && file.startsWith("merge of ")) {
            file = file.substring("merge of ".length()).split(",", 2)[0].replaceFirst(":\\s*(\\d+)$", ":$1");
            file = file.startsWith("./") ? file.substring(2) : file;
            return file + ": ";
        }
        file = file.startsWith("./") ? file.substring(2) : file;
        return o.lineNumber() > 0 ? file.replaceAll(":\\s*\\d+$", "") + ":" + o.lineNumber() + ": " : file + ": ";
    }

    private static String quote(String key) {
        return key.contains(".") ? "\"" + key + "\"" : key;
    }
}
