/**
 * The allocator contract suite. A strategy's tests extend {@link org.alloclab.tck.AllocatorContract}
 * with a few lines (a factory) and get model-based runs with shrinking, the bad-input catalogue,
 * exhaustion and close checks; {@link org.alloclab.tck.ContractRunner} runs the same suite for a strategy
 * named on the command line and returns a {@link org.alloclab.tck.ContractReport}.
 *
 * <p>Random runs and shrinking are implemented here, on JUnit Jupiter, rather than with jqwik: from
 * version 1.10 jqwik carries an Anti-AI Usage Clause, and this suite was written with a coding agent.
 */
package org.alloclab.tck;
