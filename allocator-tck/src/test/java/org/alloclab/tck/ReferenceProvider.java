package org.alloclab.tck;

import java.util.List;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.VirtualMemory;

/**
 * Provides {@code test.reference}, the TCK's reference strategy, and one {@code test.mutant.*} strategy
 * per {@link ReferenceAllocator.Mutation}, all registered for the test class path only.
 */
public class ReferenceProvider implements AllocatorProvider {

    private final String name;
    private final ReferenceAllocator.Mutation mutation;

    /** {@code test.reference}. */
    public ReferenceProvider() {
        this("test.reference", ReferenceAllocator.Mutation.NONE);
    }

    ReferenceProvider(String name, ReferenceAllocator.Mutation mutation) {
        this.name = name;
        this.mutation = mutation;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "first fit over one region, metadata on the Java heap"
                + (mutation == ReferenceAllocator.Mutation.NONE ? "" : ", with the bug " + mutation);
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.bytes("capacity", "8MiB", "address space reserved at creation"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        return new ReferenceAllocator(name, virtualMemory, parameters.bytes("capacity"), mutation);
    }

    /** {@code test.mutant.overlap}. */
    public static final class Overlap extends ReferenceProvider {
        public Overlap() {
            super("test.mutant.overlap", ReferenceAllocator.Mutation.OVERLAP);
        }
    }

    /** {@code test.mutant.misalign}. */
    public static final class Misalign extends ReferenceProvider {
        public Misalign() {
            super("test.mutant.misalign", ReferenceAllocator.Mutation.MISALIGN);
        }
    }

    /** {@code test.mutant.clobber-on-free}. */
    public static final class ClobberOnFree extends ReferenceProvider {
        public ClobberOnFree() {
            super("test.mutant.clobber-on-free", ReferenceAllocator.Mutation.CLOBBER_ON_FREE);
        }
    }

    /** {@code test.mutant.clobber-on-realloc}. */
    public static final class ClobberOnRealloc extends ReferenceProvider {
        public ClobberOnRealloc() {
            super("test.mutant.clobber-on-realloc", ReferenceAllocator.Mutation.CLOBBER_ON_REALLOC);
        }
    }

    /** {@code test.mutant.live-bytes-off-by-one}. */
    public static final class LiveBytesOffByOne extends ReferenceProvider {
        public LiveBytesOffByOne() {
            super("test.mutant.live-bytes-off-by-one", ReferenceAllocator.Mutation.LIVE_BYTES_OFF_BY_ONE);
        }
    }

    /** {@code test.mutant.uncommitted}. */
    public static final class Uncommitted extends ReferenceProvider {
        public Uncommitted() {
            super("test.mutant.uncommitted", ReferenceAllocator.Mutation.UNCOMMITTED);
        }
    }

    /** {@code test.mutant.leak-on-close}. */
    public static final class LeakOnClose extends ReferenceProvider {
        public LeakOnClose() {
            super("test.mutant.leak-on-close", ReferenceAllocator.Mutation.LEAK_ON_CLOSE);
        }
    }

    /** {@code test.mutant.silent-double-free}. */
    public static final class SilentDoubleFree extends ReferenceProvider {
        public SilentDoubleFree() {
            super("test.mutant.silent-double-free", ReferenceAllocator.Mutation.SILENT_DOUBLE_FREE);
        }
    }
}
