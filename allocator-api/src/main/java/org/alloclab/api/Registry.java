package org.alloclab.api;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The providers of one kind on the class path, by name. A strategy alloclab has never seen becomes
 * usable by name once its jar, with a {@code META-INF/services} entry, is on the class path.
 *
 * @param <P> the kind of provider
 */
public final class Registry<P extends Provider> {

    private final String kind;
    private final Map<String, P> byName;

    private Registry(String kind, Map<String, P> byName) {
        this.kind = kind;
        this.byName = byName;
    }

    /** The strategies visible to this class's class loader. */
    public static Registry<AllocatorProvider> strategies() {
        return load("strategy", AllocatorProvider.class, Registry.class.getClassLoader());
    }

    /** The layers (debugging and profiling decorators) visible to this class's class loader. */
    public static Registry<LayerProvider> layers() {
        return load("layer", LayerProvider.class, Registry.class.getClassLoader());
    }

    /** The virtual memories visible to this class's class loader. */
    public static Registry<VirtualMemoryProvider> virtualMemories() {
        return load("virtual memory", VirtualMemoryProvider.class, Registry.class.getClassLoader());
    }

    /**
     * The providers of {@code type} visible to {@code loader}.
     *
     * @param kind what they are called in messages ("strategy")
     * @throws IllegalStateException when two providers claim the same name
     */
    public static <P extends Provider> Registry<P> load(String kind, Class<P> type, ClassLoader loader) {
        var byName = new TreeMap<String, P>();
        for (P p : ServiceLoader.load(type, loader)) {
            P other = byName.putIfAbsent(p.name(), p);
            if (other != null) {
                throw new IllegalStateException("two " + kind + " providers are named '" + p.name() + "': "
                        + other.getClass().getName() + " and " + p.getClass().getName());
            }
        }
        return new Registry<>(kind, byName);
    }

    /** Every provider, sorted by name. */
    public List<P> all() {
        return List.copyOf(byName.values());
    }

    /** Every name, sorted. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /**
     * The provider called {@code name}.
     *
     * @throws IllegalArgumentException naming the unknown name and listing the known ones
     */
    public P get(String name) {
        P p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "' (known: "
                    + (byName.isEmpty() ? "none on the class path" : String.join(", ", byName.keySet())) + ")");
        }
        return p;
    }
}
