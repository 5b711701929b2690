package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** {@code alloclab check} as a user runs it. */
class CheckCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCorrectStrategyPassesOnBothVirtualMemories() {
        assertThat(run("check", "--strategy", "linear.vm", "--tries", "20", "--seed", "11")).as(out()).isZero();
        assertThat(out()).contains("contract of linear.vm (seed 11)", "modelBasedRun[simulated]", "modelBasedRun[os]",
                "0 failed", "PASSED in");
    }

    @Test
    void aBrokenStrategyFailsWithTheShrunkSequenceOfOperations() {
        assertThat(run("check", "--strategy", "test.overlapping", "--tries", "50", "--seed", "5")).isEqualTo(1);
        assertThat(out()).contains("modelBasedRun[simulated] FAILED", "overlap", "    1. ", "FAILED in")
                .contains("Rerun the same tries with: alloclab check --strategy test.overlapping --seed 5 --tries 50");
    }

    @Test
    void theSameSeedGivesTheSameReport() {
        run("check", "--strategy", "test.overlapping", "--tries", "30", "--seed", "9", "--vm", "simulated");
        String first = out().replaceAll("\\d+\\.\\d+ s", "");
        run("check", "--strategy", "test.overlapping", "--tries", "30", "--seed", "9", "--vm", "simulated");
        assertThat(out().replaceAll("\\d+\\.\\d+ s", "")).isEqualTo(first);
    }

    @Test
    void aStrategyInLayersIsCheckedAndABadLayerIsNamed() {
        assertThat(run("check", "--strategy", "dsmalloc", "--layer", "red-zones", "--layer", "budget:bytes=64MiB",
                "--tries", "10", "--seed", "3")).as(out()).isZero();
        assertThat(out()).contains("contract of dsmalloc in red-zones, budget:bytes=64MiB (seed 3)", "0 failed");
        assertThat(run("check", "--strategy", "dsmalloc", "--layer", "red-zone")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown layer 'red-zone'", "red-zones");
        assertThat(run("check", "--strategy", "dsmalloc", "--layer", "budget:byts=1MiB")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("byts");
    }

    @Test
    void badInputIsNamedWithExitCodeTwo() {
        assertThat(run("check", "--strategy", "nope")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown strategy 'nope'", "linear.vm");
        assertThat(run("check", "--strategy", "linear.vm", "--param", "resrve=1MiB")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no parameter 'resrve'");
        assertThat(run("check", "--strategy", "linear.vm", "--tries", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("tries must be at least 1");
        assertThat(run("check", "--strategy", "linear.vm", "--vm", "ram")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown virtual memory 'ram'");
        assertThat(run("check")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--strategy");
    }

    @Test
    void aCountOutOfRangeIsNamedByItsOptionNotByAJavaField() {
        assertThat(run("check", "--strategy", "linear.vm", "--max-steps", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("alloclab: error: --max-steps must be at least 1, was 0").doesNotContain("maxSteps");
        assertThat(run("check", "--strategy", "linear.vm", "--tries", "-3")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("alloclab: error: --tries must be at least 1, was -3");
    }
}
