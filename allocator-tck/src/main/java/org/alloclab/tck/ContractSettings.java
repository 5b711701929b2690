package org.alloclab.tck;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Overrides of an {@link AllocatorContract} run, read from JUnit Platform configuration parameters —
 * which also fall back to JVM system properties, so {@code mvn test -Dalloclab.tck.tries=1000} works —
 * or set by {@link ContractRunner}. Absent values leave the contract's own defaults.
 *
 * @param tries           how many random runs each property makes ({@value #TRIES})
 * @param seed            the seed every property derives its runs from ({@value #SEED})
 * @param maxSteps        the longest model-based run, in steps ({@value #MAX_STEPS})
 * @param virtualMemories the virtual memories to run over, replacing
 *                        {@link AllocatorContract#virtualMemories()} ({@value #VIRTUAL_MEMORIES}, comma
 *                        separated)
 * @param run             the {@link ContractRunner} run whose strategy {@link SelectedStrategyContract}
 *                        checks ({@value #RUN}); set by the runner only
 */
public record ContractSettings(OptionalInt tries, OptionalLong seed, OptionalInt maxSteps,
                               List<String> virtualMemories, Optional<String> run) {

    /** Configuration parameter: tries per property. */
    public static final String TRIES = "alloclab.tck.tries";
    /** Configuration parameter: the base seed, a decimal {@code long}. */
    public static final String SEED = "alloclab.tck.seed";
    /** Configuration parameter: the longest model-based run in steps. */
    public static final String MAX_STEPS = "alloclab.tck.max-steps";
    /** Configuration parameter: virtual memories to run over, comma separated. */
    public static final String VIRTUAL_MEMORIES = "alloclab.tck.virtual-memories";
    /** Configuration parameter: the runner's run id. */
    public static final String RUN = "alloclab.tck.run";

    /** Copies the virtual memory names. */
    public ContractSettings {
        virtualMemories = List.copyOf(virtualMemories);
    }

    /** No overrides. */
    public static ContractSettings none() {
        return new ContractSettings(OptionalInt.empty(), OptionalLong.empty(), OptionalInt.empty(), List.of(),
                Optional.empty());
    }

    /**
     * Reads the settings through {@code lookup} (a configuration parameter lookup).
     *
     * @throws IllegalArgumentException naming the parameter when a value is not a number
     */
    public static ContractSettings from(Function<String, Optional<String>> lookup) {
        return new ContractSettings(
                positive(lookup, TRIES),
                lookup.apply(SEED).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
                    try {
                        return OptionalLong.of(Long.parseLong(s));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(SEED + " must be a whole number (a long), was '" + s + "'");
                    }
                }).orElse(OptionalLong.empty()),
                positive(lookup, MAX_STEPS),
                lookup.apply(VIRTUAL_MEMORIES).map(s -> Arrays.stream(s.split(",")).map(String::trim)
                        .filter(n -> !n.isEmpty()).toList()).orElse(List.of()),
                lookup.apply(RUN).map(String::trim).filter(s -> !s.isEmpty()));
    }

    private static OptionalInt positive(Function<String, Optional<String>> lookup, String key) {
        return lookup.apply(key).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
            try {
                int v = Integer.parseInt(s.replace("_", ""));
                if (v < 1) {
                    throw new NumberFormatException();
                }
                return OptionalInt.of(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a whole number of 1 or more, was '" + s + "'");
            }
        }).orElse(OptionalInt.empty());
    }
}
