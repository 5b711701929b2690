package org.alloclab.debug;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.alloclab.api.AllocatorProvider;
import org.alloclab.api.LayerProvider;
import org.alloclab.api.Registry;
import org.alloclab.tck.ContractReport;
import org.alloclab.tck.ContractRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The whole allocator contract with every layer wrapped around every strategy on the class path: a layer
 * must change nothing a caller of the strategy relies on (placement, contents, usable size, live bytes,
 * the walk, bad input refused, exhaustion, everything given back at close). Fewer tries per pair than a
 * strategy's own contract test makes, since there are layers × strategies pairs; the seed is fixed so a
 * failure is reproduced by running this test again.
 */
class LayeredContractTest {

    /** Tries of the model-based run per pair and virtual memory. */
    private static final int TRIES = Integer.getInteger("alloclab.layers.tries", 12);

    /** Parameters that make a layer's own limits part of what the contract meets. */
    private static final Map<String, Map<String, String>> LAYER_PARAMETERS = Map.of(
            "poison", Map.of("quarantine-bytes", "8KiB", "new-pattern", "0xcd"),
            "sites", Map.of("sample-bytes", "4KiB"),
            "fragmentation", Map.of("every", "7"),
            "budget", Map.of("bytes", "16GiB"));

    /**
     * Strategies whose whole buffer is committed at creation get the small buffers of their own contract
     * tests, so the exhaustion properties fill them quickly. The segmented stack's segment is made smaller
     * than the 1 MiB the exhaustion property leaves it: at 1 MiB its first segment takes the whole budget,
     * and the page a guard layer keeps beside it (see {@link GuardLayer}) would leave no room for it at all.
     */
    private static Map<String, String> strategyParameters(String strategy) {
        if (strategy.startsWith("freelist")) {
            // committed whole: a heap that grows would find the budget the guard layer holds spent (as above)
            return Map.of("capacity", "2MiB", "heap", "fixed");
        }
        return switch (strategy) {
            // their own commit caches hold committed pages of the 1 MiB budget the exhaustion property leaves,
            // which the guard layer needs to commit a guard page again before a block goes back (it then holds
            // the block, and the strategy's verify finds a page it thinks committed that is not)
            case "dsmalloc", "common" -> Map.of("commit-cache", "0");
            case "buddy" -> Map.of("idle-floor", "0");
            case "linear" -> Map.of("capacity", "512KiB");
            case "stack" -> Map.of("segment-size", "256KiB");
            default -> Map.of();
        };
    }

    @TestFactory
    Stream<DynamicTest> everyLayerAroundEveryStrategy() {
        var tests = new ArrayList<DynamicTest>();
        List<AllocatorProvider> strategies = Registry.strategies().all();
        for (LayerProvider layer : Registry.layers().all()) {
            var parameters = layer.resolve(LAYER_PARAMETERS.getOrDefault(layer.name(), Map.of()));
            for (AllocatorProvider strategy : strategies) {
                var strategyParameters = strategy.resolve(strategyParameters(strategy.name()));
                String label = layer.name() + "(" + strategy.name() + ")";
                tests.add(DynamicTest.dynamicTest(label, () -> {
                    ContractReport report = ContractRunner.forFactory(label,
                                    vm -> layer.wrap(strategy.create(strategyParameters, vm), parameters, vm))
                            .tries(TRIES).seed(20261122L).interiorPointers(true).run();
                    if (report.seconds() > 3) {
                        System.out.print(report.summary());
                    }
                    assertThat(report.passed()).as(report.summary()).isTrue();
                }));
            }
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(7 * 15);
        return tests.stream();
    }

    /** Layers stacked: each sees the one inside it as its strategy. */
    @TestFactory
    Stream<DynamicTest> layersStacked() {
        List<List<String>> stacks = List.of(
                List.of("red-zones", "poison", "guards", "free-check"),
                List.of("sites", "fragmentation", "budget"),
                List.of("guards", "red-zones", "sites"));
        var tests = new ArrayList<DynamicTest>();
        for (String strategy : List.of("dsmalloc", "segregated-fit", "linear", "glibc")) {
            for (List<String> stack : stacks) {
                String label = String.join(" < ", stack.reversed()) + " < " + strategy;
                tests.add(DynamicTest.dynamicTest(label, () -> {
                    AllocatorProvider p = Registry.strategies().get(strategy);
                    var sp = p.resolve(strategyParameters(strategy));
                    ContractReport report = ContractRunner.forFactory(label, vm -> {
                        org.alloclab.api.Allocator a = p.create(sp, vm);
                        for (String layer : stack) {
                            a = Registry.layers().get(layer).wrap(a, LAYER_PARAMETERS.getOrDefault(layer, Map.of()), vm);
                        }
                        return a;
                    }).tries(TRIES).seed(20261122L).interiorPointers(true).run();
                    assertThat(report.passed()).as(report.summary()).isTrue();
                }));
            }
        }
        return tests.stream();
    }
}
