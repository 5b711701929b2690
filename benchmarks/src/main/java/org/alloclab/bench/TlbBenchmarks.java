package org.alloclab.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.alloclab.api.Memory;
import org.alloclab.api.Region;
import org.alloclab.vmem.OsVirtualMemory;
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
 * What transparent huge pages change for a TLB-heavy access pattern: dependent reads of one long each at
 * random places of a 1 GiB committed region, which with 4 KiB pages needs far more TLB entries than a core has
 * (a miss per read, and a page walk), and with 2 MiB pages 512 times fewer. The same OS virtual memory,
 * {@code huge-pages} off and on; the offsets are drawn once per trial. Nanoseconds per read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class TlbBenchmarks {

    static final int READS = 1024;

    /** A touched region and random offsets into it. */
    @State(Scope.Thread)
    public static class Buffer {
        /** huge pages asked for or not: the strategy column of the report. */
        @Param({"4KiB-pages", "huge-pages"})
        public String strategy;

        @Param({"1024"})
        public long size;                                   // MiB

        OsVirtualMemory vm;
        Region region;
        Memory memory;
        long[] offsets;
        int next;
        /** Bytes the kernel backs with huge pages, read after the touch; -1 when not known. */
        public long hugeBytes;

        @Setup(Level.Trial)
        public void open() {
            vm = new OsVirtualMemory(0, false, strategy.equals("huge-pages"));
            long bytes = size << 20;
            region = vm.reserve(bytes);
            if (region == null || !vm.commit(region.address(), bytes)) {
                throw new IllegalStateException("could not get " + size + " MiB of memory for the TLB benchmark");
            }
            memory = vm.memory();
            memory.fill(region.address(), bytes, (byte) 1);
            hugeBytes = OsVirtualMemory.hugePageBytes(region);
            System.out.printf("%n%s: %d MiB of the %d MiB region backed by transparent huge pages (AnonHugePages)%n",
                    strategy, hugeBytes >> 20, size);
            var random = new SplittableRandom(7);
            offsets = new long[1 << 20];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = region.address() + (random.nextLong(bytes) & ~7L);
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            vm.close();
        }
    }

    /**
     * {@value #READS} reads at random offsets, each depending on the one before (the next offset is chosen
     * with the value read), so the processor cannot overlap them and every TLB miss is paid in full; the
     * score is per read.
     */
    @Benchmark
    @OperationsPerInvocation(READS)
    public long randomReads(Buffer b) {
        long sum = 0;
        int i = b.next;
        long[] offsets = b.offsets;
        int mask = offsets.length - 1;
        Memory m = b.memory;
        for (int k = 0; k < READS; k++) {
            long v = m.getLong(offsets[i]);
            sum += v;
            i = (int) ((i + v) & mask);
        }
        b.next = i;
        return sum;
    }
}
