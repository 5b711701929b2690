package org.alloclab.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.alloclab.api.Sizes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * The contract can pass and can fail: the reference strategy passes through {@link ContractRunner},
 * and each planted bug is caught, by the right rule, with a shrunk report.
 */
class ContractRunnerTest {

    private static final long SEED = 20251001L;

    private static ContractReport check(String strategy) {
        return ContractRunner.forStrategy(strategy, Map.of("capacity", "8MiB"))
                .virtualMemories(List.of("test-heap"))
                .tries(40)
                .seed(SEED)
                .run();
    }

    @Test
    void referencePasses() {
        ContractReport report = check("test.reference");
        assertThat(report.failed()).as(report.summary()).isZero();
        assertThat(report.passed()).isTrue();
        assertThat(report.seed()).isEqualTo(SEED);
        PropertyResult model = report.property("modelBasedRun[test-heap]").orElseThrow();
        assertThat(model.status()).isEqualTo(PropertyResult.Status.PASSED);
        assertThat(model.tries()).isEqualTo(40);
        assertThat(model.seed()).isEqualTo(SEED);
        assertThat(report.property("framesOutOfOrder[test-heap]").orElseThrow().status())
                .isEqualTo(PropertyResult.Status.SKIPPED);
        assertThat(report.properties()).extracting(PropertyResult::name).contains("badSizes[test-heap]",
                "exhaustionUnderBudget[test-heap]", "exhaustionUnderCommitFailure[test-heap]",
                "closeGivesEverythingBack[test-heap]", "useAfterClose[test-heap]");
        assertThat(report.summary()).contains("0 failed");
    }

    @ParameterizedTest(name = "{0} fails {1} by {2}")
    @CsvSource({
            "test.mutant.overlap,              modelBasedRun[test-heap],                 overlap,     3",
            "test.mutant.misalign,             modelBasedRun[test-heap],                 alignment,   1",
            "test.mutant.clobber-on-free,      modelBasedRun[test-heap],                 contents,    4",
            "test.mutant.clobber-on-realloc,   modelBasedRun[test-heap],                 contents,    4",
            "test.mutant.live-bytes-off-by-one, modelBasedRun[test-heap],                live-bytes,  2",
            "test.mutant.uncommitted,          modelBasedRun[test-heap],                 committed,   1",
            "test.mutant.leak-on-close,        closeGivesEverythingBack[test-heap],      close,       0",
            "test.mutant.silent-double-free,   doubleFreeAndInteriorPointers[test-heap], bad-input,   0",
    })
    void mutantIsCaught(String strategy, String property, String rule, int maxShrunkSteps) {
        ContractReport report = check(strategy);
        assertThat(report.passed()).as(report.summary()).isFalse();
        PropertyResult failed = report.property(property).orElseThrow();
        assertThat(failed.status()).as(report.summary()).isEqualTo(PropertyResult.Status.FAILED);
        assertThat(failed.message()).as(report.summary()).startsWith(rule + ":");
        assertThat(failed.seed()).isEqualTo(SEED);
        assertThat(failed.tries()).isPositive();
        assertThat(failed.sample()).as(report.summary()).isNotEmpty();
        if (maxShrunkSteps > 0) {
            assertThat(failed.sample()).as(report.summary()).startsWith("shrunk from ");
            long steps = failed.sample().lines().filter(l -> l.matches("\\s+\\d+\\. .*")).count();
            // the last line may be close(), which is not a step
            assertThat(steps).as(failed.sample()).isBetween(1L, (long) maxShrunkSteps + 1);
        }
    }

    @Test
    void framesAndHeldBlocksAreModelled() {
        ContractReport ok = ContractRunner.forFactory("test.stack", vm -> new StackAllocator(vm, 16 * Sizes.MiB))
                .virtualMemories(List.of("test-heap")).tries(40).seed(SEED).run();
        assertThat(ok.failed()).as(ok.summary()).isZero();
        assertThat(ok.property("framesOutOfOrder[test-heap]").orElseThrow().status())
                .isEqualTo(PropertyResult.Status.PASSED);

        ContractReport bad = ContractRunner.forFactory("test.stack grown across a frame",
                        vm -> new StackAllocator(vm, 16 * Sizes.MiB, true))
                .virtualMemories(List.of("test-heap")).tries(100).seed(SEED).run();
        PropertyResult model = bad.property("modelBasedRun[test-heap]").orElseThrow();
        assertThat(model.status()).as(bad.summary()).isEqualTo(PropertyResult.Status.FAILED);
        assertThat(model.sample()).as(bad.summary()).contains("pushFrame()").contains("reallocate");
    }

    @Test
    void externalMemorySkipsOnlyWhatConcernsTheVirtualMemory() {
        ContractReport ok = ContractRunner.forFactory("test.external", vm -> new ExternalAllocator(vm, true, false))
                .virtualMemories(List.of("test-heap")).tries(40).seed(SEED).run();
        assertThat(ok.failed()).as(ok.summary()).isZero();
        for (String property : List.of("exhaustionUnderBudget[test-heap]", "exhaustionUnderCommitFailure[test-heap]")) {
            PropertyResult skipped = ok.property(property).orElseThrow();
            assertThat(skipped.status()).as(ok.summary()).isEqualTo(PropertyResult.Status.SKIPPED);
            assertThat(skipped.message()).contains("EXTERNAL_MEMORY");
        }
        for (String property : List.of("modelBasedRun[test-heap]", "foreignAddresses[test-heap]",
                "doubleFreeAndInteriorPointers[test-heap]", "closeGivesEverythingBack[test-heap]",
                "useAfterClose[test-heap]", "badSizes[test-heap]")) {
            assertThat(ok.property(property).orElseThrow().status()).as(property + "\n" + ok.summary())
                    .isEqualTo(PropertyResult.Status.PASSED);
        }

        // without the capability, the same blocks lie outside every region the allocator reserved
        ContractReport undeclared = ContractRunner.forFactory("test.external-undeclared",
                        vm -> new ExternalAllocator(vm, false, false))
                .virtualMemories(List.of("test-heap")).tries(40).seed(SEED).run();
        PropertyResult placement = undeclared.property("modelBasedRun[test-heap]").orElseThrow();
        assertThat(placement.status()).as(undeclared.summary()).isEqualTo(PropertyResult.Status.FAILED);
        assertThat(placement.message()).startsWith("ownership:").contains("not inside a region");

        // with it, the rules that still apply still catch a bug
        ContractReport misaligned = ContractRunner.forFactory("test.external misaligned",
                        vm -> new ExternalAllocator(vm, true, true))
                .virtualMemories(List.of("test-heap")).tries(100).seed(SEED).run();
        PropertyResult alignment = misaligned.property("modelBasedRun[test-heap]").orElseThrow();
        assertThat(alignment.status()).as(misaligned.summary()).isEqualTo(PropertyResult.Status.FAILED);
        assertThat(alignment.message()).startsWith("alignment:");
    }

    @Test
    void unknownStrategyIsNamed() {
        assertThatThrownBy(() -> ContractRunner.forStrategy("no-such-strategy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-strategy")
                .hasMessageContaining("test.reference");
    }

    @Test
    void selectedStrategyContractSkipsWithoutARun() {
        var listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(SelectedStrategyContract.class))
                .configurationParameter(ContractSettings.VIRTUAL_MEMORIES, "test-heap")
                .build(), listener);
        var summary = listener.getSummary();
        assertThat(summary.getTotalFailureCount()).isZero();
        assertThat(summary.getTestsSucceededCount()).isZero();
        assertThat(summary.getTestsAbortedCount()).isPositive();
    }
}
