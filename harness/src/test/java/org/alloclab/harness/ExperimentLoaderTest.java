package org.alloclab.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.alloclab.api.Registry;
import org.alloclab.harness.config.ConfigurationException;
import org.alloclab.harness.config.Experiment;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentLoaderTest {

    private final ExperimentLoader loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
            Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));

    @TempDir
    Path dir;

    @Test
    void theBuiltInDefaultIsAValidExperiment() {
        Experiment e = loader.loadDefault();
        assertThat(e.strategies()).extracting(Experiment.StrategySpec::label)
                .contains("linear.vm", "dsmalloc", "glibc", "jemalloc", "netty");
        assertThat(e.workloads()).isNotEmpty();
        assertThat(e.virtualMemories()).extracting(Experiment.VirtualMemorySpec::kind).containsExactly("os");
        assertThat(e.source()).isEqualTo("built-in default");
    }

    @Test
    void aFileOverridesDefaultsAndParametersAreResolved() throws Exception {
        Path f = write("""
                alloclab {
                  seed = 7
                  virtual-memory { kind = [simulated, os], simulated { budget = 64MiB } }
                  strategies = [ { name = linear.vm, label = small, parameters { reserve = 8MiB } } ]
                  workloads = [ { type = random, operations = 1000, max-size = 512 } ]
                }
                """);
        Experiment e = loader.load(f);
        assertThat(e.seed()).isEqualTo(7);
        assertThat(e.virtualMemories()).extracting(Experiment.VirtualMemorySpec::kind).containsExactly("simulated", "os");
        assertThat(e.virtualMemories().get(0).parameters().bytes("budget")).isEqualTo(64L << 20);
        assertThat(e.strategies().get(0).parameters().bytes("reserve")).isEqualTo(8L << 20);
        assertThat(e.strategies().get(0).parameters().bytes("commit-step")).isEqualTo(64L << 10);
        assertThat(e.workloads().get(0).parameters().count("operations")).isEqualTo(1000);
    }

    @Test
    void aListOfValuesIsASweep() throws Exception {
        Path f = write("""
                alloclab {
                  strategies = [ { name = linear.vm, parameters { slack = [0, 1MiB], commit-step = [4KiB, 64KiB] } } ]
                  workloads = [ { type = random, operations = 1000, max-size = [512, 4KiB] } ]
                }
                """);
        Experiment e = loader.load(f);
        assertThat(e.strategies()).extracting(Experiment.StrategySpec::label).containsExactly(
                "linear.vm slack=0,commit-step=4KiB", "linear.vm slack=0,commit-step=64KiB",
                "linear.vm slack=1MiB,commit-step=4KiB", "linear.vm slack=1MiB,commit-step=64KiB");
        assertThat(e.strategies().get(3).parameters().bytes("slack")).isEqualTo(1 << 20);
        assertThat(e.strategies().get(3).parameters().bytes("commit-step")).isEqualTo(64 << 10);
        assertThat(e.workloads()).extracting(Experiment.WorkloadSpec::name)
                .containsExactly("random max-size=512", "random max-size=4KiB");
    }

    @Test
    void aListOfVirtualMemoryParametersIsASweepLabelledByTheValues() throws Exception {
        Path f = write("""
                alloclab.virtual-memory {
                  kind = simulated
                  simulated { budget = 10MiB, page-size = [4KiB, 64KiB, 1MiB] }
                }
                """);
        Experiment e = loader.load(f);
        assertThat(e.virtualMemories()).extracting(Experiment.VirtualMemorySpec::label).containsExactly(
                "simulated page-size=4KiB", "simulated page-size=64KiB", "simulated page-size=1MiB");
        assertThat(e.virtualMemories().get(2).parameters().bytes("page-size")).isEqualTo(1 << 20);
        assertThat(e.virtualMemories().get(2).parameters().bytes("budget")).isEqualTo(10 << 20);
    }

    @Test
    void aBadValueInsideASweepIsNamed() throws Exception {
        Path f = write("alloclab.strategies = [ { name = linear.vm, parameters { slack = [0, lots] } } ]\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining(":1").hasMessageContaining("slack")
                .hasMessageContaining("'lots' is not a byte size");
    }

    @Test
    void theHeapMapMomentIsPeakOffOrAFraction() throws Exception {
        assertThat(loader.loadDefault().heapMapAt()).isEqualTo(-1);
        assertThat(loader.load(write("alloclab.heap-map = 0.25\n")).heapMapAt()).isEqualTo(0.25);
        assertThat(loader.load(write("alloclab.heap-map = off\n")).heapMapAt()).isZero();
        Path f = write("alloclab {\n  heap-map = sometimes\n}\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining(":2").hasMessageContaining("heap-map")
                .hasMessageContaining("'sometimes'");
        assertThatThrownBy(() -> loader.load(write("alloclab.heap-map = 1.5\n"))).hasMessageContaining("heap-map");
    }

    @Test
    void anUnknownKeyIsNamedWithItsFileAndLine() throws Exception {
        Path f = write("""
                alloclab {
                  seed = 7
                  sede = 8
                }
                """);
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(f.getFileName() + ":3")
                .hasMessageContaining("unknown key 'alloclab.sede'");
    }

    @Test
    void anUnknownStrategyParameterIsNamedWithItsLine() throws Exception {
        Path f = write("""
                alloclab {
                  strategies = [
                    { name = linear.vm, parameters { resrve = 8MiB } }
                  ]
                }
                """);
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(":3")
                .hasMessageContaining("alloclab.strategies[0].parameters")
                .hasMessageContaining("no parameter 'resrve'");
    }

    @Test
    void anUnknownStrategyListsTheKnownOnes() throws Exception {
        Path f = write("alloclab.strategies = [ { name = nope } ]\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining(":1")
                .hasMessageContaining("unknown strategy 'nope'").hasMessageContaining("linear.vm");
    }

    @Test
    void aBadValueIsNamed() throws Exception {
        Path f = write("alloclab.workloads = [ { type = random, max-size = lots } ]\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining("max-size")
                .hasMessageContaining("'lots' is not a byte size");
    }

    @Test
    void aByteSizeTooLargeIsCalledOneAndNamedWithItsFileAndLineOnce() throws Exception {
        Path f = write("alloclab.virtual-memory { kind = simulated, simulated { budget = 1EiB } }\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(f + ":1: alloclab.virtual-memory.simulated: ")
                .hasMessageContaining("'1EiB' is a byte size, but too large: the largest is 64 TiB")
                .hasMessageNotContaining("reference.conf");
    }

    @Test
    void anUnknownVirtualMemoryKindIsNamed() throws Exception {
        Path f = write("alloclab.virtual-memory.kind = [os, ram]\n");
        assertThatThrownBy(() -> loader.load(f)).hasMessageContaining("unknown virtual memory 'ram'");
    }

    @Test
    void malformedHoconIsReportedWithItsLine() throws Exception {
        Path f = write("alloclab {\n  seed = \n  strategies = [ { name = \n}\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(f.toString());
    }

    @Test
    void malformedHoconNamesItsFileOnceWithTheLine() throws Exception {
        Path f = write("alloclab {\n  seed = 7\n  strategies = [ { name = \n}\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(e.getMessage().split(java.util.regex.Pattern.quote(f.getFileName().toString()), -1))
                        .as(e.getMessage()).hasSize(2))
                .hasMessageStartingWith(f + ":4: ");
    }

    @Test
    void aMissingIncludeIsRefusedWithItsFileLineAndThePathLookedFor() throws Exception {
        Path f = write("""
                alloclab { seed = 7 }
                include "shared-strategies.conf"
                """);
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(f + ":2: include \"shared-strategies.conf\" names a file that does not exist")
                .hasMessageContaining("looked for " + dir.resolve("shared-strategies.conf"));
        Path g = write("include file(\"" + dir.resolve("absent.conf") + "\")\n");
        assertThatThrownBy(() -> loader.load(g)).hasMessageStartingWith(g + ":1: include file(")
                .hasMessageContaining("absent.conf\") names a file that does not exist");
    }

    @Test
    void anIncludeThatExistsIsReadAndOneMissingInsideItIsNamedWhereItIsWritten() throws Exception {
        Files.writeString(dir.resolve("base.conf"), "alloclab.seed = 11\n");
        assertThat(loader.load(write("include \"base.conf\"\nalloclab.warmup-runs = 2\n")).seed()).isEqualTo(11);
        Files.writeString(dir.resolve("base.conf"), "alloclab.seed = 11\n\ninclude \"base-local\"\n");
        Path f = write("include \"base.conf\"\n");
        assertThatThrownBy(() -> loader.load(f))
                .hasMessageStartingWith(dir.resolve("base.conf") + ":3: include \"base-local\" names a file that does not exist")
                .hasMessageContaining(dir.resolve("base-local.conf").toString());
    }

    @Test
    void guardPagesOverACommitCacheAreRefusedNamingBoth() throws Exception {
        Path f = write("""
                alloclab {
                  virtual-memory { kind = os, os { commit-cache = 16MiB } }
                  strategies = [ { name = dsmalloc, layers = [red-zones, guards] } ]
                }
                """);
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith(f + ":3: alloclab.strategies[0].layers: the guards layer cannot be combined with a"
                        + " commit cache, and virtual memory 'os' has commit-cache = 16 MiB");
        Path around = write("""
                alloclab {
                  virtual-memory { kind = [simulated, os], simulated { commit-cache = [0, 1MiB] } }
                  layers = [guards]
                }
                """);
        assertThatThrownBy(() -> loader.load(around)).hasMessageStartingWith(around + ":3: alloclab.layers: the guards layer")
                .hasMessageContaining("'simulated commit-cache=1MiB' has commit-cache = 1 MiB");
        assertThat(loader.load(write("""
                alloclab {
                  virtual-memory { kind = os, os { commit-cache = 0 } }
                  strategies = [ { name = dsmalloc, layers = [guards] } ]
                }
                """)).strategies()).hasSize(1);
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> loader.load(dir.resolve("absent.conf")))
                .hasMessageContaining("absent.conf").hasMessageContaining("does not exist");
    }

    private Path write(String text) throws Exception {
        Path f = dir.resolve("experiment.conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aStrategyThatCannotRunHereIsRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> loader.parse("""
                alloclab {
                  strategies = [ { name = linear }, { name = test.unavailable } ]
                  workloads = [ { type = random, operations = 1000 } ]
                }
                """, "test"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("alloclab.strategies[1].name")
                .hasMessageContaining("cannot run on this machine")
                .hasMessageContaining("apt-get install libnothing1");
    }
}
