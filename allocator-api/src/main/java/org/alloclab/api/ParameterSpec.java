package org.alloclab.api;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One tunable of a strategy: its name, kind, default and one line of documentation. Providers declare
 * them; {@link Parameters#resolve} checks what a configuration gives against them.
 *
 * @param name         a stable, lower-case, kebab-case name, e.g. {@code capacity}, {@code commit-step}
 * @param kind         how the value is written and checked
 * @param defaultValue the value when none is given, written as a user would write it
 * @param description  one line for {@code alloclab list}
 * @param choices      the allowed values of a {@link Kind#CHOICE}; empty otherwise
 */
public record ParameterSpec(String name, Kind kind, String defaultValue, String description, List<String> choices) {

    /** How a parameter's value is written. */
    public enum Kind {
        /** A byte size: {@code 4096}, {@code 64KiB}, {@code 1MiB}; never negative. */
        BYTES,
        /** A whole number, never negative. */
        COUNT,
        /** {@code true} or {@code false}. */
        FLAG,
        /** One of {@link ParameterSpec#choices()}. */
        CHOICE,
        /** Free text, e.g. a file name; never empty. */
        TEXT
    }

    /** Checks that every component is given and that a choice has choices. */
    public ParameterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(description, "description");
        choices = List.copyOf(choices);
        if (kind == Kind.CHOICE && choices.isEmpty()) {
            throw new IllegalArgumentException("choice parameter '" + name + "' needs choices");
        }
    }

    /** A byte-size parameter. */
    public static ParameterSpec bytes(String name, String defaultValue, String description) {
        return new ParameterSpec(name, Kind.BYTES, defaultValue, description, List.of());
    }

    /** A whole-number parameter. */
    public static ParameterSpec count(String name, long defaultValue, String description) {
        return new ParameterSpec(name, Kind.COUNT, Long.toString(defaultValue), description, List.of());
    }

    /** A true/false parameter. */
    public static ParameterSpec flag(String name, boolean defaultValue, String description) {
        return new ParameterSpec(name, Kind.FLAG, Boolean.toString(defaultValue), description, List.of());
    }

    /** A free-text parameter, e.g. a file name; {@code defaultValue} may be empty to mean "must be given". */
    public static ParameterSpec text(String name, String defaultValue, String description) {
        return new ParameterSpec(name, Kind.TEXT, defaultValue, description, List.of());
    }

    /** A parameter taking one of {@code choices}. */
    public static ParameterSpec choice(String name, String defaultValue, String description, String... choices) {
        return new ParameterSpec(name, Kind.CHOICE, defaultValue, description, List.of(choices));
    }

    /**
     * The value of {@code text} for this parameter: a {@code Long} for bytes and counts, a
     * {@code Boolean} for flags, the {@code String} for choices.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public Object parse(String text) {
        String t = text.trim();
        return switch (kind) {
            case BYTES -> Sizes.parse(t);
            case COUNT -> {
                try {
                    long v = Long.parseLong(t.replace("_", ""));
                    if (v < 0) {
                        throw new NumberFormatException();
                    }
                    yield v;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' is not a whole number of 0 or more");
                }
            }
            case FLAG -> switch (t.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> Boolean.TRUE;
                case "false", "no", "off" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
            };
            case CHOICE -> {
                if (!choices.contains(t)) {
                    throw new IllegalArgumentException("'" + text + "' is not one of " + choices);
                }
                yield t;
            }
            case TEXT -> {
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("needs a value");
                }
                yield t;
            }
        };
    }
}
