package org.alloclab.baselines;

import java.util.List;

import io.netty.util.ResourceLeakDetector;
import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Sizes;
import org.alloclab.api.VirtualMemory;

/**
 * {@code netty}: Netty's pooled allocator of direct buffers; see {@link NettyAllocator}. The parameters
 * are the constructor arguments of {@code PooledByteBufAllocator}, with Netty's defaults (one pool per
 * set of values for the process), and one
 * process-wide switch: Netty's leak detector, which by default samples one buffer in 128 and records a
 * stack trace for it, is turned off unless {@code leak-detection} is true, so that latencies are the
 * allocator's.
 */
public final class NettyProvider implements AllocatorProvider {

    /** For {@link java.util.ServiceLoader}. */
    public NettyProvider() {
    }

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public String description() {
        return "baseline: Netty's PooledByteBufAllocator (direct buffers); committed from its usedDirectMemory metric";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.count("arenas", 0, "direct arenas; 0 for Netty's default (twice the processors, bounded by memory)"),
                ParameterSpec.bytes("page-size", "8KiB", "Netty's page: a power of two of at least 4 KiB"),
                ParameterSpec.count("max-order", 9, "chunks are page-size << max-order bytes (9: 4 MiB), at most 1 GiB"),
                ParameterSpec.flag("thread-caches", true, "a cache for every thread, as Netty's event loops have"),
                ParameterSpec.flag("leak-detection", false, "keep Netty's leak detector (process-wide; off: its sampling is not the allocator's cost)"));
    }

    /** A new {@code PooledByteBufAllocator}; the virtual memory is not used. */
    @Override
    public Allocator create(Parameters parameters, VirtualMemory virtualMemory) {
        long pageSize = parameters.bytes("page-size");
        long maxOrder = parameters.count("max-order");
        if (!Sizes.isPowerOfTwo(pageSize) || pageSize < 4 * Sizes.KiB || pageSize > Sizes.GiB) {
            throw parameters.invalid("page-size", "must be a power of two from 4 KiB to 1 GiB");
        }
        if (maxOrder > 14 || (pageSize << maxOrder) > Sizes.GiB) {
            throw parameters.invalid("max-order", "must be at most 14, with page-size << max-order at most 1 GiB");
        }
        long arenas = parameters.count("arenas");
        if (arenas > 1024) {
            throw parameters.invalid("arenas", "must be at most 1024");
        }
        if (!parameters.flag("leak-detection")) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        return NettyAllocator.shared(new NettyAllocator.PoolSettings((int) arenas, (int) pageSize, (int) maxOrder,
                parameters.flag("thread-caches")));
    }
}
