package org.alloclab.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Bump allocation alone: {@value #BLOCKS} blocks, 8-byte aligned, then one reset; the score is nanoseconds
 * per block, the reset's share included. The peers are what a Java programmer would write instead: a
 * hand-written bump pointer over a {@link MemorySegment} ({@code segment-bump}) and the JDK's
 * {@link SegmentAllocator#slicingAllocator} ({@code jdk-slicing}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class BumpBenchmarks {

    static final int BLOCKS = 4096;

    /** What allocates: a strategy by name, or one of the two peers. */
    @State(Scope.Thread)
    public static class Bump {
        @Param({"linear", "linear.vm", "linear.atomic", "segment-bump", "jdk-slicing"})
        public String strategy;

        @Param({"16", "64"})
        public long size;

        Subject subject;
        Allocator a;
        Arena arena;
        MemorySegment segment;
        SegmentBump bump;
        SegmentAllocator slicing;

        @Setup(Level.Trial)
        public void open() {
            switch (strategy) {
                case "segment-bump", "jdk-slicing" -> {
                    arena = Arena.ofConfined();
                    segment = arena.allocate(BLOCKS * (size + 8), 16);
                    bump = new SegmentBump(segment);
                    slicing = SegmentAllocator.slicingAllocator(segment);
                }
                default -> {
                    subject = Subject.of(strategy, Capability.RESET);
                    a = subject.allocator;
                }
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            if (subject != null) {
                subject.close();
            }
            if (arena != null) {
                arena.close();
            }
        }
    }

    /** The bump pointer a programmer writes by hand: an offset into a segment, aligned up, checked. */
    static final class SegmentBump {
        private final long base;
        private final long limit;
        private long top;

        SegmentBump(MemorySegment segment) {
            this.base = segment.address();
            this.limit = segment.byteSize();
        }

        long allocate(long size) {
            long at = (top + 7) & ~7L;
            long end = at + size;
            if (end > limit) {
                return 0;
            }
            top = end;
            return base + at;
        }

        void reset() {
            top = 0;
        }
    }

    /**
     * {@value #BLOCKS} allocations and a reset; the score is per allocation. Every result goes to a
     * {@link Blackhole}, as a caller would use it: an address for alloclab's strategies and the hand-written
     * bump pointer, a {@link MemorySegment} for the JDK's slicing allocator, whose API makes one per block.
     */
    @Benchmark
    @OperationsPerInvocation(BLOCKS)
    public void bumpAllocation(Bump s, Blackhole bh) {
        switch (s.strategy) {
            case "segment-bump" -> {
                SegmentBump b = s.bump;
                for (int i = 0; i < BLOCKS; i++) {
                    bh.consume(b.allocate(s.size));
                }
                b.reset();
            }
            case "jdk-slicing" -> {
                SegmentAllocator slicing = s.slicing;
                for (int i = 0; i < BLOCKS; i++) {
                    bh.consume(slicing.allocate(s.size, 8));
                }
                s.slicing = SegmentAllocator.slicingAllocator(s.segment);
            }
            default -> {
                Allocator a = s.a;
                for (int i = 0; i < BLOCKS; i++) {
                    bh.consume(a.allocate(s.size, 8));
                }
                a.reset();
            }
        }
    }
}
