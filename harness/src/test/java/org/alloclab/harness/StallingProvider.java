package org.alloclab.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Allocator;
import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;
import org.alloclab.api.Registry;
import org.alloclab.api.VirtualMemory;

/**
 * {@code test.stalling}: {@code linear.vm} that can be made to misbehave, for the tests of cells that crash or
 * run too long: while the file {@code stall-while} exists every allocation sleeps (a cell that never ends, to
 * be killed or timed out), and with {@code exhaust-heap} its first allocation fills the Java heap until the JVM
 * runs out of memory.
 */
public final class StallingProvider implements AllocatorProvider {

    @Override
    public String name() {
        return "test.stalling";
    }

    @Override
    public String description() {
        return "test only: linear.vm that sleeps in every allocation while a file exists, or runs the JVM out of memory";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(ParameterSpec.text("stall-while", "none", "while this file exists, every allocation sleeps 20 ms (none: never)"),
                ParameterSpec.flag("exhaust-heap", false, "the first allocation fills the Java heap until it runs out"));
    }

    @Override
    public Allocator create(Parameters parameters, VirtualMemory vm) {
        Allocator inner = Registry.strategies().get("linear.vm").create(Map.of("reserve", "256MiB"), vm);
        String file = parameters.text("stall-while");
        return new Stalling(inner, file.equals("none") ? null : Path.of(file), parameters.flag("exhaust-heap"));
    }

    private static final class Stalling extends ForwardingAllocator {
        private final Path stallWhile;
        private final boolean exhaustHeap;
        private final List<long[]> hog = new ArrayList<>();

        Stalling(Allocator inner, Path stallWhile, boolean exhaustHeap) {
            super("test.stalling", inner);
            this.stallWhile = stallWhile;
            this.exhaustHeap = exhaustHeap;
        }

        @Override
        protected long doAllocate(long size, long alignment) {
            while (exhaustHeap) {
                hog.add(new long[1 << 20]);
            }
            if (stallWhile != null && Files.exists(stallWhile)) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return inner.allocate(size, alignment);
        }
    }
}
