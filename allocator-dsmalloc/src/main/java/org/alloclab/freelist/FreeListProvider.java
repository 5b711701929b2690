package org.alloclab.freelist;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/**
 * The providers of {@link FreeListAllocator}: one implementation, reachable under six names.
 *
 * <table>
 *   <caption>Names</caption>
 *   <tr><th>name</th><th>parameters</th><th>creates</th></tr>
 *   <tr><td>{@code freelist}</td><td>{@code capacity} (64MiB), {@code mechanism} (tree), {@code policy} (first-fit-address)</td>
 *       <td>the allocator with the policy named by the parameter: a sweep over policies is one list
 *       value, {@code policy = [first-fit-lifo, best-fit]}</td></tr>
 *   <tr><td>{@code freelist.first-fit-lifo}</td><td>{@code capacity}, {@code mechanism}</td><td>{@code policy = first-fit-lifo}</td></tr>
 *   <tr><td>{@code freelist.first-fit-fifo}</td><td>{@code capacity}, {@code mechanism}</td><td>{@code policy = first-fit-fifo}</td></tr>
 *   <tr><td>{@code freelist.first-fit-address}</td><td>{@code capacity}, {@code mechanism}</td><td>{@code policy = first-fit-address}</td></tr>
 *   <tr><td>{@code freelist.next-fit}</td><td>{@code capacity}, {@code mechanism}</td><td>{@code policy = next-fit}</td></tr>
 *   <tr><td>{@code freelist.best-fit}</td><td>{@code capacity}, {@code mechanism}</td><td>{@code policy = best-fit}</td></tr>
 * </table>
 * The fixed-policy names read better beside each other in a report; either way the allocator's
 * {@link Allocator#strategy()} is {@code freelist.} and the policy, so results say which policy ran.
 */
public final class FreeListProvider implements AllocatorProvider {

    private static final ParameterSpec CAPACITY = ParameterSpec.bytes("capacity", "64MiB",
            "the heap, reserved and committed at creation (at most 32GiB)");

    /**
     * The same placements either way: {@code list} is the plain list search the policy is defined by,
     * kept runnable as the specification the differential tests hold {@code tree} to.
     */
    private static final ParameterSpec MECHANISM = ParameterSpec.choice("mechanism", "tree",
            "how the policy's choice is found, with the same placements either way: list (walk the free list,"
                    + " O(free blocks), the specification) or tree (augmented balanced trees, O(log free blocks))",
            "list", "tree");

    /** Committed as it is used, as sbrk grows a C heap, or all at creation. */
    private static final ParameterSpec HEAP = ParameterSpec.choice("heap", "grow",
            "grow: reserved at once, committed as the heap's high-water mark rises (as sbrk grows a C heap, so the"
                    + " footprint measures the policy); fixed: committed whole at creation", "grow", "fixed");

    /** For {@link java.util.ServiceLoader}. */
    public FreeListProvider() {
    }

    /** {@code freelist}. */
    @Override
    public String name() {
        return "freelist";
    }

    /** One line for listings. */
    @Override
    public String description() {
        return "boundary-tag allocator over a heap committed as it grows (or fixed), explicit free list, placement policy chosen by parameter"
                + " (first fit LIFO/FIFO/address-ordered, next fit, best fit)";
    }

    /** {@code capacity} and {@code policy}. */
    @Override
    public List<ParameterSpec> parameters() {
        return List.of(CAPACITY, MECHANISM, HEAP, ParameterSpec.choice("policy", FreeListAllocator.Policy.FIRST_FIT_ADDRESS.id(),
                "placement: first fit over a LIFO, FIFO or address-ordered free list, next fit (roving pointer),"
                        + " best fit (exhaustive search)", FreeListAllocator.Policy.ids()));
    }

    /**
     * A new allocator.
     *
     * @throws IllegalArgumentException naming {@code capacity} when it is 0 or above 32 GiB
     */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return create(parameters, virtualMemory, FreeListAllocator.Policy.of(parameters.choice("policy")));
    }

    static Allocator create(Parameters parameters, VirtualMemory virtualMemory, FreeListAllocator.Policy policy) {
        long capacity = parameters.bytes("capacity");
        if (capacity < 1) {
            throw parameters.invalid("capacity", "must be at least one byte");
        }
        if (capacity > BoundaryTag.MAX_HEAP) {
            throw parameters.invalid("capacity", "must be at most 32GiB (block sizes and free-list links are"
                    + " 32-bit counts of 8-byte words)");
        }
        return FreeListAllocator.create(virtualMemory, capacity, policy,
                FreeListAllocator.Mechanism.of(parameters.choice("mechanism")), parameters.choice("heap").equals("grow"));
    }

    /** A provider whose policy is fixed by its name, {@code freelist.<policy>}. */
    abstract static class Fixed implements AllocatorProvider {
        private final FreeListAllocator.Policy policy;

        Fixed(FreeListAllocator.Policy policy) {
            this.policy = policy;
        }

        @Override
        public final String name() {
            return "freelist." + policy.id();
        }

        @Override
        public final String description() {
            return "freelist with policy = " + policy.id() + ": " + switch (policy) {
                case FIRST_FIT_LIFO -> "first fit, freed blocks pushed at the head of the list";
                case FIRST_FIT_FIFO -> "first fit, freed blocks appended at the tail of the list";
                case FIRST_FIT_ADDRESS -> "first fit over an address-ordered list: the lowest fitting block";
                case NEXT_FIT -> "first fit from a roving pointer over an address-ordered list";
                case BEST_FIT -> "the smallest fitting block, exhaustive search of an address-ordered list";
            };
        }

        @Override
        public final List<ParameterSpec> parameters() {
            return List.of(CAPACITY, MECHANISM, HEAP);
        }

        @Override
        public final Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
            return FreeListProvider.create(parameters, virtualMemory, policy);
        }
    }

    /** {@code freelist.first-fit-lifo}. */
    public static final class FirstFitLifo extends Fixed {
        /** For {@link java.util.ServiceLoader}. */
        public FirstFitLifo() {
            super(FreeListAllocator.Policy.FIRST_FIT_LIFO);
        }
    }

    /** {@code freelist.first-fit-fifo}. */
    public static final class FirstFitFifo extends Fixed {
        /** For {@link java.util.ServiceLoader}. */
        public FirstFitFifo() {
            super(FreeListAllocator.Policy.FIRST_FIT_FIFO);
        }
    }

    /** {@code freelist.first-fit-address}. */
    public static final class FirstFitAddress extends Fixed {
        /** For {@link java.util.ServiceLoader}. */
        public FirstFitAddress() {
            super(FreeListAllocator.Policy.FIRST_FIT_ADDRESS);
        }
    }

    /** {@code freelist.next-fit}. */
    public static final class NextFit extends Fixed {
        /** For {@link java.util.ServiceLoader}. */
        public NextFit() {
            super(FreeListAllocator.Policy.NEXT_FIT);
        }
    }

    /** {@code freelist.best-fit}. */
    public static final class BestFit extends Fixed {
        /** For {@link java.util.ServiceLoader}. */
        public BestFit() {
            super(FreeListAllocator.Policy.BEST_FIT);
        }
    }
}
