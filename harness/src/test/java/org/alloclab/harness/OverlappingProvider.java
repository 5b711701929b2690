package org.alloclab.harness;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;

/**
 * {@code test.overlapping}: a deliberately broken strategy for the tests of {@code alloclab check}. It is
 * {@code linear.vm}, except that every third allocation hands out the previous block's address again.
 */
public final class OverlappingProvider implements AllocatorProvider {

    @Override
    public String name() {
        return "test.overlapping";
    }

    @Override
    public String description() {
        return "test only: linear.vm handing out every third block on top of the one before";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of();
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        Allocator inner = Registry.strategies().get("linear.vm").create(Map.of("reserve", "64MiB"), vm);
        return new Overlapping(inner);
    }

    private static final class Overlapping extends ForwardingAllocator {
        private long previous;
        private long count;

        Overlapping(Allocator inner) {
            super("test.overlapping", inner);
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            long a = inner.allocate(size, alignment);
            if (++count % 3 == 0 && previous != 0 && previous % alignment == 0) {
                return previous;
            }
            previous = a;
            return a;
        }
    }
}
