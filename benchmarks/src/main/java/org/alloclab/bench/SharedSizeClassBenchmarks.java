package org.alloclab.bench;

import java.util.concurrent.TimeUnit;

import org.alloclab.api.Allocator;
import org.alloclab.api.Capability;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A thread-safe allocator shared by one thread and by two: allocate+free pairs per microsecond, all threads
 * together. Each thread allocates and frees its own 64-byte blocks, a hundred live at a time, so what is
 * measured is how the shared allocator lets threads work side by side, without the harness's replay, its
 * meetings and its sampling between them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class SharedSizeClassBenchmarks {

    /** One allocator for every thread of the benchmark. */
    @State(Scope.Benchmark)
    public static class Shared {
        /** Its own name, so that {@code -p strategy=...} for the other benchmarks leaves this list alone. */
        @Param({"segregated-fit", "slab", "glibc", "jemalloc"})
        public String sharedStrategy;

        Subject subject;
        Allocator a;

        @Setup(Level.Trial)
        public void open() {
            subject = Subject.of(sharedStrategy, Capability.FREE, Capability.THREAD_SAFE);
            a = subject.allocator;
        }

        @TearDown(Level.Trial)
        public void close() {
            subject.close();
        }
    }

    /** A thread's blocks: a hundred allocated, then freed, per invocation. */
    @State(Scope.Thread)
    public static class Mine {
        static final int BLOCKS = 100;
        final long[] blocks = new long[BLOCKS];
    }

    private static long hundred(Shared s, Mine m) {
        long sum = 0;
        for (int i = 0; i < Mine.BLOCKS; i++) {
            m.blocks[i] = s.a.allocate(64);
        }
        for (int i = 0; i < Mine.BLOCKS; i++) {
            sum += m.blocks[i];
            s.a.free(m.blocks[i]);
        }
        return sum;
    }

    /** One thread. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(Mine.BLOCKS)
    public long oneThread(Shared s, Mine m) {
        return hundred(s, m);
    }

    /** Two threads on one allocator at once. */
    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(Mine.BLOCKS)
    public long twoThreads(Shared s, Mine m) {
        return hundred(s, m);
    }
}
