package org.alloclab.bench;

import java.util.concurrent.TimeUnit;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.alloclab.debug.Layers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What each debugging and profiling layer costs, against the bare strategy in the same run: the same
 * benchmarks as {@link AllocatorBenchmarks} (one 64-byte pair; a free and an allocation of mixed size
 * among 1,024 live blocks) with the strategy wrapped in one layer, made by name as a configuration makes
 * it. {@code layer} is {@code none} (the bare strategy), a layer's name (its defaults), or a name with
 * parameters: {@code red-zones:sites=recorded} measures red zones without walking the stack for sites.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class LayerBenchmarks {

    /** A strategy in one layer, or bare. */
    @State(Scope.Thread)
    public static class Layered {
        @Param({"dsmalloc", "segregated-fit"})
        public String strategy;

        @Param({"none", "free-check", "free-check:sites=recorded", "red-zones", "red-zones:sites=recorded", "poison",
            "poison:sites=recorded", "guards", "guards:sites=recorded", "sites", "budget", "fragmentation"})
        public String layer;

        Subject subject;
        Allocator a;

        void open() {
            subject = Subject.of(strategy, Capability.FREE);
            a = wrap(subject, layer);
        }

        void shut() {
            a.close();
            subject.close();
        }
    }

    /** {@code subject}'s allocator in the layer {@code spec} names ({@code name[:key=value,...]}), or bare for {@code none}. */
    static Allocator wrap(Subject subject, String spec) {
        return spec.equals("none") ? subject.allocator : Layers.wrap(subject.allocator, spec, subject.vm);
    }

    /**
     * One 64-byte block, beside one that stays live: a heap that never empties, so a strategy that gives
     * an empty segment back at once (dsmalloc) is measured in use, not mapping and unmapping.
     */
    public static class Pair extends Layered {
        long anchor;

        @Setup(Level.Trial)
        public void setup() {
            open();
            anchor = a.allocate(64);
        }

        @TearDown(Level.Trial)
        public void close() {
            a.free(anchor);
            shut();
        }
    }

    /** Allocate and free one 64-byte block, another one live. */
    @Benchmark
    public long allocateFree(Pair s) {
        long p = s.a.allocate(64);
        s.a.free(p);
        return p;
    }

    /** The mixed-sizes heap of {@link MixedHeap}. */
    public static class Mixed extends Layered {
        final MixedHeap heap = new MixedHeap();

        @Setup(Level.Trial)
        public void setup() {
            open();
            heap.fill(a);
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.empty(a);
            shut();
        }
    }

    /** One free and one allocation of a mixed size, among 1,024 live blocks. */
    @Benchmark
    public long mixedSizes(Mixed s) {
        return s.heap.step(s.a);
    }
}
