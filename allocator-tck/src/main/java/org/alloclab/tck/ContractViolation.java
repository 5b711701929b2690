package org.alloclab.tck;

/**
 * A broken rule of the allocator contract, found by the contract suite. {@link #check()} names the
 * rule ({@code overlap}, {@code alignment}, {@code contents}, {@code live-bytes}, …); the message says
 * which block and which values. Shrinking keeps a smaller failing run only when it breaks the same rule.
 */
public final class ContractViolation extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final String check;

    /**
     * @param check   the rule that broke, a short lower-case name
     * @param message what was seen, naming blocks and values
     */
    public ContractViolation(String check, String message) {
        super(check + ": " + message);
        this.check = check;
    }

    /**
     * @param check   the rule that broke
     * @param message what was seen
     * @param cause   the exception the allocator threw, if that is what broke the rule
     */
    public ContractViolation(String check, String message, Throwable cause) {
        super(check + ": " + message, cause);
        this.check = check;
    }

    /** The rule that broke. */
    public String check() {
        return check;
    }
}
