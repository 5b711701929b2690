package org.alloclab.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The checked parameter values of one strategy instance: every declared parameter has a value (given or
 * default), and nothing undeclared was given.
 */
public final class Parameters {

    private final String strategy;
    private final Map<String, Object> values;

    private Parameters(String strategy, Map<String, Object> values) {
        this.strategy = strategy;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Checks {@code given} against {@code specs} and fills in defaults.
     *
     * @param strategy the strategy name, for messages
     * @param specs    what the strategy declares
     * @param given    name → value as written by a user ({@code "64KiB"}, {@code 4096}, {@code true})
     * @throws IllegalArgumentException naming the strategy and parameter when a name is unknown or a
     *                                  value does not fit its kind
     */
    public static Parameters resolve(String strategy, List<ParameterSpec> specs, Map<String, ?> given) {
        var declared = specs.stream().collect(Collectors.toMap(ParameterSpec::name, s -> s, (a, b) -> a, LinkedHashMap::new));
        for (String name : given.keySet()) {
            if (!declared.containsKey(name)) {
                throw new IllegalArgumentException("strategy '" + strategy + "' has no parameter '" + name
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
                throw new IllegalArgumentException("strategy '" + strategy + "', parameter '" + spec.name()
                        + "': " + e.getMessage(), e);
            }
        }
        return new Parameters(strategy, values);
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

    /** A {@link ParameterSpec.Kind#CHOICE} value. */
    public String choice(String name) {
        return (String) value(name);
    }

    /**
     * An {@link IllegalArgumentException} about one parameter's value, for checks a provider makes
     * across parameters (a capacity below the page size, say).
     */
    public IllegalArgumentException invalid(String name, String why) {
        return new IllegalArgumentException("strategy '" + strategy + "', parameter '" + name + "' = "
                + values.get(name) + ": " + why);
    }

    private Object value(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("strategy '" + strategy + "' declares no parameter '" + name + "'");
        }
        return v;
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
