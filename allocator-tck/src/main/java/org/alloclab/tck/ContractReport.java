package org.alloclab.tck;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of one {@link ContractRunner} run: every property of the contract against one strategy.
 *
 * @param strategy   what was checked (its name, or the label given to the runner)
 * @param seed       the seed of the run; the same seed and tries repeat the same runs
 * @param properties each property, in the order it finished
 * @param seconds    how long the whole run took
 */
public record ContractReport(String strategy, long seed, List<PropertyResult> properties, double seconds) {

    /** Copies the properties. */
    public ContractReport {
        properties = List.copyOf(properties);
    }

    /** Whether no property failed (skipped ones do not count against it) and at least one ran. */
    public boolean passed() {
        return failed() == 0 && count(PropertyResult.Status.PASSED) > 0;
    }

    /** Number of failed properties. */
    public long failed() {
        return count(PropertyResult.Status.FAILED);
    }

    /** The result of the property called {@code name}, e.g. {@code modelBasedRun[os]}. */
    public java.util.Optional<PropertyResult> property(String name) {
        return properties.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private long count(PropertyResult.Status status) {
        return properties.stream().filter(p -> p.status() == status).count();
    }

    /**
     * A text report for people: one line per property (status, tries, seconds), then each failure with
     * its message and shrunk sample, then a closing {@code N passed, N failed, N skipped} line.
     */
    public String summary() {
        var sb = new StringBuilder();
        sb.append("contract of ").append(strategy).append(" (seed ").append(seed).append(")\n");
        for (PropertyResult p : properties) {
            sb.append(String.format(Locale.ROOT, "  %-7s %-48s %5d tries %7.2f s%s%n", p.status(), p.name(), p.tries(),
                    p.seconds(), p.status() == PropertyResult.Status.SKIPPED ? "  (" + p.message() + ")" : ""));
        }
        for (PropertyResult p : properties) {
            if (p.status() == PropertyResult.Status.FAILED) {
                sb.append('\n').append(p.name()).append(" FAILED: ").append(p.message()).append('\n');
                if (!p.sample().isEmpty()) {
                    sb.append(p.sample());
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "%d passed, %d failed, %d skipped%n", count(PropertyResult.Status.PASSED),
                failed(), count(PropertyResult.Status.SKIPPED)));
        return sb.toString();
    }
}
