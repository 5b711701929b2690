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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The thread-safe bump allocator shared by one thread and by two: throughput in allocations per
 * microsecond, all threads together. The allocator is reset between iterations, when no thread runs (JMH's
 * iteration-level setup), and iterations are short, so what an iteration claims stays a few hundred MiB.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 10, time = 200, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class SharedBumpBenchmarks {

    /** One allocator for every thread of the benchmark. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"linear.atomic"})
        public String strategy;

        @Param({"16"})
        public long size;

        /** 0: every allocation claims from the shared top; else thread-local buffers of this size. */
        @Param({"0", "64KiB"})
        public String threadBuffer;

        Subject subject;
        Allocator a;

        @Setup(Level.Trial)
        public void open() {
            subject = Subject.of(strategy, java.util.Map.of("reserve", "64GiB", "commit-step", "1MiB", "slack", "0",
                    "thread-buffer", threadBuffer == null ? "0" : threadBuffer),
                    Capability.THREAD_SAFE, Capability.RESET);
            a = subject.allocator;
        }

        @Setup(Level.Iteration)
        public void reset() {
            a.reset();
        }

        @TearDown(Level.Trial)
        public void close() {
            subject.close();
        }
    }

    /** One thread allocating. */
    @Benchmark
    @Threads(1)
    public long oneThread(Shared s) {
        return s.a.allocate(s.size, 8);
    }

    /** Two threads allocating from the same allocator at once. */
    @Benchmark
    @Threads(2)
    public long twoThreads(Shared s) {
        return s.a.allocate(s.size, 8);
    }
}
