package org.alloclab.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The checked parameter values of one strategy, virtual memory or workload: every declared parameter has a value (given or
 * default), and nothing undeclared was given.
 */
public final class Parameters {

    private final String owner;
    private final Map<String, Object> values;

    private Parameters(String owner, Map<String, Object> values) {
        this.owner = owner;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Checks {@code given} against {@code specs} and fills in defaults.
     *
     * @param owner the name of the strategy, virtual memory or workload, for messages
     * @param specs what it declares
     * @param given    name → value as written by a user ({@code "64KiB"}, {@code 4096}, {@code true})
     * @throws IllegalArgumentException naming the owner and parameter when a name is unknown or a
     *                                  value does not fit its kind
     */
    public static Parameters resolve(String owner, List<ParameterSpec> specs, Map<String, ?> given) {
        var declared = specs.stream().collect(Collectors.toMap(ParameterSpec::name, s -> s, (a, b) -> a, LinkedHashMap::new));
        for (String name : given.keySet()) {
            if (!declared.containsKey(name)) {
                throw new IllegalArgumentException("'" + owner + "' has no parameter '" + name
                        + "' (it has " + (declared.isEmpty() ? "none" : String.join(", ", declared.keySet())) + ")");
            }
        }
        var values = new LinkedHashMap<String, Object>();
        for (ParameterSpec spec : declared.values()) {
            Object raw = given.get(spec.name());
            String text = raw == null ? spec.defaultValue() : raw.toString();
            try {
                values.put(spec.name(), spec.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + owner + "', parameter '" + spec.name()
                        + "': " + e.getMessage(), e);
            }
        }
        return new Parameters(owner, values);
    }

    /** Every parameter with its value, in declaration order. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** A {@link ParameterSpec.Kind#BYTES} value. */
    public long bytes(String name) {
        return (Long) value(name);
    }

    /** A {@link ParameterSpec.Kind#COUNT} value. */
    public long count(String name) {
        return (Long) value(name);
    }

    /** A {@link ParameterSpec.Kind#FLAG} value. */
    public boolean flag(String name) {
        return (Boolean) value(name);
    }

    /** A {@link ParameterSpec.Kind#TEXT} value. */
    public String text(String name) {
        return (String) value(name);
    }

    /** A {@link ParameterSpec.Kind#CHOICE} value. */
    public String choice(String name) {
        return (String) value(name);
    }

    /**
     * An {@link IllegalArgumentException} about one parameter's value, for checks a provider makes
     * across parameters (a capacity below the page size, say).
     */
    public IllegalArgumentException invalid(String name, String why) {
        return new IllegalArgumentException("'" + owner + "', parameter '" + name + "' = "
                + values.get(name) + ": " + why);
    }

    private Object value(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("'" + owner + "' declares no parameter '" + name + "'");
        }
        return v;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
