package org.alloclab.api;

/**
 * An allocator that wraps another and changes how it is called, not what it is: the locking layer, and the
 * debugging and profiling layers a configuration puts around any strategy. A decorator answers to the
 * wrapped strategy's {@link Allocator#strategy() name}; tools that want to say what a strategy ran under
 * follow {@link #inner()} down the chain and collect each {@link #decoratorName()}.
 */
public interface Decorator extends Allocator {

    /** The allocator this one wraps. */
    Allocator inner();

    /** The layer's name in results and reports, e.g. {@code locking} or {@code red-zones}. */
    String decoratorName();

    /** Every decorator of {@code type} in the chain starting at {@code allocator} (itself included), outermost first. */
    static <D> java.util.List<D> all(Allocator allocator, Class<D> type) {
        var found = new java.util.ArrayList<D>();
        for (Allocator a = allocator; a instanceof Decorator d; a = d.inner()) {
            if (type.isInstance(d)) {
                found.add(type.cast(d));
            }
        }
        return found;
    }

    /** The names of the decorators around {@code allocator}, outermost first; empty for a bare strategy. */
    static java.util.List<String> names(Allocator allocator) {
        return all(allocator, Decorator.class).stream().map(Decorator::decoratorName).toList();
    }
}
