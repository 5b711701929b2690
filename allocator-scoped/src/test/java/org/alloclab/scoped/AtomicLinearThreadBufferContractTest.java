package org.alloclab.scoped;

import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;
import org.alloclab.tck.AllocatorContract;

/** The contract for {@code linear.atomic} with thread buffers of 1 KiB, so buffers are claimed and abandoned often. */
class AtomicLinearThreadBufferContractTest extends AllocatorContract {

    @Override
    protected Allocator create(VirtualMemory vm) {
        return Registry.strategies().get("linear.atomic").create(Map.of("reserve", "16MiB", "commit-step", "8KiB",
                "slack", "4KiB", "thread-buffer", "1KiB"), vm);
    }
}
