package org.alloclab.bench;

import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * General-purpose allocation, strategy against peer, each made by name as the harness makes it (default
 * parameters, OS virtual memory). Scores are nanoseconds per allocate+free pair. Every benchmark returns
 * or consumes what it allocates, so nothing is optimised away; every block is freed, so the heap is in the
 * same state after each invocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class AllocatorBenchmarks {

    /** The strategies and peers measured by default; {@code -p strategy=a,b} picks others. */
    static final String[] STRATEGIES = {"segregated-fit", "slab", "dsmalloc", "common", "buddy", "freelist.first-fit-lifo",
        "glibc", "jemalloc", "netty", "jdk-arena"};

    /** One block allocated and freed at once, at the sizes the issue names. */
    @State(Scope.Thread)
    public static class Pair {
        @Param({"segregated-fit", "slab", "dsmalloc", "common", "buddy", "freelist.first-fit-lifo", "glibc", "jemalloc",
            "netty", "jdk-arena"})
        public String strategy;

        @Param({"16", "64", "256", "4096"})
        public long size;

        Subject subject;
        Allocator a;

        @Setup(Level.Trial)
        public void open() {
            subject = Subject.of(strategy, Capability.FREE);
            a = subject.allocator;
        }

        @TearDown(Level.Trial)
        public void close() {
            subject.close();
        }
    }

    /** Allocate and free one block. */
    @Benchmark
    public long allocateFree(Pair s) {
        long p = s.a.allocate(s.size);
        s.a.free(p);
        return p;
    }

    /** A thousand 64-byte blocks allocated, then freed in an order shuffled once per trial. */
    @State(Scope.Thread)
    public static class Batch {
        static final int BLOCKS = 1000;

        @Param({"segregated-fit", "slab", "dsmalloc", "common", "buddy", "freelist.first-fit-lifo", "glibc", "jemalloc",
            "netty", "jdk-arena"})
        public String strategy;

        @Param({"64"})
        public long size;

        Subject subject;
        Allocator a;
        final long[] blocks = new long[BLOCKS];
        final int[] order = new int[BLOCKS];

        @Setup(Level.Trial)
        public void open() {
            subject = Subject.of(strategy, Capability.FREE);
            a = subject.allocator;
            shuffle(order);
        }

        /** Fills {@code order} with 0…n−1 shuffled by a fixed seed, the same for every strategy. */
        static void shuffle(int[] order) {
            var random = new SplittableRandom(42);
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            subject.close();
        }
    }

    /** Per block: its allocation and its free, in a batch of 1,000 freed in random order. */
    @Benchmark
    @OperationsPerInvocation(Batch.BLOCKS)
    public long batchFreedInRandomOrder(Batch s) {
        long sum = 0;
        for (int i = 0; i < Batch.BLOCKS; i++) {
            s.blocks[i] = s.a.allocate(s.size);
        }
        for (int i = 0; i < Batch.BLOCKS; i++) {
            long p = s.blocks[s.order[i]];
            sum += p;
            s.a.free(p);
        }
        return sum;
    }

    /** Mixed sizes: see {@link MixedHeap}. */
    @State(Scope.Thread)
    public static class Mixed {
        @Param({"segregated-fit", "slab", "dsmalloc", "common", "buddy", "freelist.first-fit-lifo", "glibc", "jemalloc",
            "netty", "jdk-arena"})
        public String strategy;

        Subject subject;
        Allocator a;
        final MixedHeap heap = new MixedHeap();

        @Setup(Level.Trial)
        public void open() {
            subject = Subject.of(strategy, Capability.FREE);
            a = subject.allocator;
            heap.fill(a);
        }

        @TearDown(Level.Trial)
        public void close() {
            heap.empty(a);
            subject.close();
        }
    }

    /** One free and one allocation of a mixed size, among 1,024 live blocks. */
    @Benchmark
    public long mixedSizes(Mixed s) {
        return s.heap.step(s.a);
    }

    /** The hand-written free list ({@link HandFreeList}) at the pair's sizes up to 256 bytes. */
    @State(Scope.Thread)
    public static class HandPair {
        @Param({"16", "64", "256"})
        public long size;

        HandFreeList list;

        @Setup(Level.Trial)
        public void open() {
            list = new HandFreeList();
        }

        @TearDown(Level.Trial)
        public void close() {
            list.close();
        }
    }

    /** Allocate and free one block through the hand-written free list. */
    @Benchmark
    public long handWrittenPair(HandPair s) {
        long p = s.list.allocate(s.size);
        s.list.free(p);
        return p;
    }

    /** The hand-written free list on the batch of 1,000 64-byte blocks freed in random order. */
    @State(Scope.Thread)
    public static class HandBatch {
        HandFreeList list;
        final long[] blocks = new long[Batch.BLOCKS];
        final int[] order = new int[Batch.BLOCKS];

        @Setup(Level.Trial)
        public void open() {
            list = new HandFreeList();
            Batch.shuffle(order);
        }

        @TearDown(Level.Trial)
        public void close() {
            list.close();
        }
    }

    /** Per block, as {@link #batchFreedInRandomOrder}, through the hand-written free list. */
    @Benchmark
    @OperationsPerInvocation(Batch.BLOCKS)
    public long handWrittenBatch(HandBatch s) {
        long sum = 0;
        for (int i = 0; i < Batch.BLOCKS; i++) {
            s.blocks[i] = s.list.allocate(64);
        }
        for (int i = 0; i < Batch.BLOCKS; i++) {
            long p = s.blocks[s.order[i]];
            sum += p;
            s.list.free(p);
        }
        return sum;
    }
}
