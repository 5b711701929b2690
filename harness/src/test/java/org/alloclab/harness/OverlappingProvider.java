package org.alloclab.harness;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.alloclab.api.AbstractAllocator;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.AllocatorStats;
import org.alloclab.api.Capability;
import org.alloclab.api.Frame;
import org.alloclab.api.HeapVisitor;
import org.alloclab.api.Memory;
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

    private static final class Overlapping extends AbstractAllocator {
        private final Allocator inner;
        private long previous;
        private long count;

        Overlapping(Allocator inner) {
            super("test.overlapping", EnumSet.copyOf(inner.capabilities()));
            this.inner = inner;
        }

        @Override
        public Memory memory() {
            return inner.memory();
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

        @Override
        protected long doReallocate(long address, long newSize) {
            return inner.reallocate(address, newSize);
        }

        @Override
        protected boolean doOwns(long address) {
            return inner.owns(address);
        }

        @Override
        protected void doReset() {
            inner.reset();
        }

        @Override
        protected Frame doPushFrame() {
            return inner.pushFrame();
        }

        @Override
        protected void doPopFrame(Frame frame) {
            inner.popFrame(frame);
        }

        @Override
        protected void doWalk(HeapVisitor visitor) {
            inner.walk(visitor);
        }

        @Override
        protected AllocatorStats doStats() {
            return inner.stats();
        }

        @Override
        protected void doVerify() {
            inner.verify();
        }

        @Override
        protected void doClose() {
            inner.close();
        }
    }
}
