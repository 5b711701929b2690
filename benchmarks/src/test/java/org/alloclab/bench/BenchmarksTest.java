package org.alloclab.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;

import org.alloclab.api.AllocatorStats;
import org.alloclab.harness.report.ReportWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmarks do what they say for every default strategy and peer (no timing is asserted), and a
 * real JMH run of one of them yields the JSON the report renders.
 */
class BenchmarksTest {

    private final AllocatorBenchmarks general = new AllocatorBenchmarks();

    @ParameterizedTest
    @ValueSource(strings = {"dsmalloc", "common", "freelist.first-fit-lifo", "glibc", "jemalloc", "netty", "jdk-arena"})
    void everyGeneralBenchmarkLeavesTheHeapAsItFoundIt(String strategy) {
        var pair = new AllocatorBenchmarks.Pair();
        pair.strategy = strategy;
        pair.size = 4096;
        pair.open();
        try {
            for (int i = 0; i < 1000; i++) {
                assertThat(general.allocateFree(pair)).isNotZero();
            }
            assertThat(pair.a.stats().get(AllocatorStats.LIVE_BLOCKS)).isZero();
        } finally {
            pair.close();
        }

        var batch = new AllocatorBenchmarks.Batch();
        batch.strategy = strategy;
        batch.size = 64;
        batch.open();
        try {
            general.batchFreedInRandomOrder(batch);
            assertThat(new HashSet<>(java.util.Arrays.stream(batch.blocks).boxed().toList())).hasSize(AllocatorBenchmarks.Batch.BLOCKS);
            assertThat(batch.a.stats().get(AllocatorStats.LIVE_BLOCKS)).isZero();
        } finally {
            batch.close();
        }

        var mixed = new AllocatorBenchmarks.Mixed();
        mixed.strategy = strategy;
        mixed.open();
        try {
            for (int i = 0; i < 20_000; i++) {
                assertThat(general.mixedSizes(mixed)).isNotZero();
            }
            assertThat(mixed.a.stats().get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(MixedHeap.LIVE);
            mixed.a.verify();
        } finally {
            mixed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "free-check", "red-zones:sites=recorded", "poison", "guards", "sites", "budget",
        "fragmentation"})
    void everyLayerIsBenchmarkedAroundAStrategyThatStaysConsistent(String layer) {
        var bench = new LayerBenchmarks();
        var pair = new LayerBenchmarks.Pair();
        pair.strategy = "dsmalloc";
        pair.layer = layer;
        pair.setup();
        try {
            for (int i = 0; i < 2_000; i++) {
                assertThat(bench.allocateFree(pair)).isNotZero();
            }
            pair.a.verify();
        } finally {
            pair.close();
        }
        var mixed = new LayerBenchmarks.Mixed();
        mixed.strategy = "segregated-fit";
        mixed.layer = layer;
        mixed.setup();
        try {
            for (int i = 0; i < 5_000; i++) {
                assertThat(bench.mixedSizes(mixed)).isNotZero();
            }
            assertThat(mixed.a.stats().get(AllocatorStats.LIVE_BLOCKS)).isEqualTo(MixedHeap.LIVE);
            mixed.a.verify();
        } finally {
            mixed.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"linear", "linear.vm", "linear.atomic", "segment-bump", "jdk-slicing"})
    void bumpAllocationHandsOutBlocksAndResets(String strategy) {
        var bump = new BumpBenchmarks.Bump();
        bump.strategy = strategy;
        bump.size = 16;
        bump.open();
        var bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        try {
            new BumpBenchmarks().bumpAllocation(bump, bh);
            new BumpBenchmarks().bumpAllocation(bump, bh);
            if (bump.a != null) {
                assertThat(bump.a.stats().get(AllocatorStats.ALLOCATIONS)).isEqualTo(2L * BumpBenchmarks.BLOCKS);
                assertThat(bump.a.stats().get(AllocatorStats.LIVE_BYTES)).isZero();       // reset after each batch
            } else if (strategy.equals("segment-bump")) {
                long first = bump.bump.allocate(16);
                assertThat(first).isEqualTo(bump.segment.address());                    // reset after each batch
                assertThat(bump.bump.allocate(3)).isEqualTo(first + 16);
                assertThat(bump.bump.allocate(8)).isEqualTo(first + 24);                  // aligned to 8
            }
        } finally {
            bump.close();
        }
        bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }

    @Test
    void theSharedBumpAllocatorHandsOutDistinctBlocksAndResetsBetweenIterations() {
        var shared = new SharedBumpBenchmarks.Shared();
        shared.strategy = "linear.atomic";
        shared.size = 16;
        shared.open();
        try {
            var bench = new SharedBumpBenchmarks();
            long a = bench.oneThread(shared);
            long b = bench.twoThreads(shared);
            assertThat(b).isEqualTo(a + 16);
            shared.reset();
            assertThat(bench.oneThread(shared)).isEqualTo(a);
        } finally {
            shared.close();
        }
    }

    @Test
    void theTlbBenchmarkReadsWhatItWroteWithAndWithoutHugePages() {
        for (String pages : new String[] {"4KiB-pages", "huge-pages"}) {
            var buffer = new TlbBenchmarks.Buffer();
            buffer.strategy = pages;
            buffer.size = 16;
            buffer.open();
            try {
                assertThat(new TlbBenchmarks().randomReads(buffer)).isEqualTo(TlbBenchmarks.READS * 0x0101010101010101L);
            } finally {
                buffer.close();
            }
        }
    }

    @Test
    void aStrategyThatCannotFreeIsRefusedByName() {
        var pair = new AllocatorBenchmarks.Pair();
        pair.strategy = "linear";
        pair.size = 16;
        assertThatThrownBy(pair::open).hasMessageContaining("linear").hasMessageContaining("FREE");
        pair.strategy = "no-such-strategy";
        assertThatThrownBy(pair::open).hasMessageContaining("no-such-strategy");
    }

    @Test
    void aShortJmhRunWritesJsonThatTheReportRenders(@TempDir Path dir) throws Exception {
        shortRun(dir, new OptionsBuilder().include(AllocatorBenchmarks.class.getName() + ".allocateFree")
                .param("strategy", "dsmalloc", "glibc").param("size", "64"));
        Path page = ReportWriter.write(dir);
        String html = Files.readString(page);
        assertThat(html).contains("Micro-benchmarks (JMH)", "allocateFree", "÷ reference", "<td class=\"\">glibc</td>", "1.00×");
        assertThat(Files.readString(dir.resolve("csv/jmh.csv"))).contains("allocateFree,64,dsmalloc,avgt");
    }

    @Test
    void aShortJmhRunOfLayersIsDividedByTheBareStrategy(@TempDir Path dir) throws Exception {
        shortRun(dir, new OptionsBuilder().include(LayerBenchmarks.class.getName() + ".allocateFree")
                .param("strategy", "segregated-fit").param("layer", "none", "budget"));
        ReportWriter.write(dir);
        String csv = Files.readString(dir.resolve("csv/jmh.csv"));
        assertThat(csv).contains("benchmark,layer,strategy").contains("allocateFree,none,segregated-fit,avgt")
                .contains("allocateFree,budget,segregated-fit,avgt").contains("ns/op,bare segregated-fit,1.0")
                .containsPattern("allocateFree,budget,segregated-fit,avgt,[0-9.]+,[^,]*,ns/op,bare segregated-fit,[0-9.]+");
    }

    /** Two scores from a JMH run in this JVM, a fifth of a second each, written to {@code dir/jmh.json}. */
    private static void shortRun(Path dir, ChainedOptionsBuilder selected) throws Exception {
        var options = selected.forks(0)
                .warmupIterations(0)
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(100))
                .resultFormat(ResultFormatType.JSON)
                .result(dir.resolve("jmh.json").toString())
                .build();
        assertThat(new Runner(options).run()).hasSize(2);
    }
}
