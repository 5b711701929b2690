package org.alloclab.harness.cells;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.alloclab.api.Registry;
import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.workload.WorkloadProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What alloclab writes for Slurm and reads back from it, without a cluster (the cluster is SlurmSweepTest's). */
class SlurmScriptTest {

    @TempDir
    Path dir;

    @Test
    void squeuesArrayIndicesAreReadSingleRangedAndThrottled() {
        assertThat(Slurm.taskNumbers("7", 10)).containsExactly(7);
        assertThat(Slurm.taskNumbers("[3-5%2]", 10)).containsExactly(3, 4, 5);
        assertThat(Slurm.taskNumbers("[1,4-6]", 10)).containsExactly(1, 4, 5, 6);
        assertThat(Slurm.taskNumbers("[8-20]", 10)).as("never past the array").containsExactly(8, 9);
        assertThat(Slurm.taskNumbers("N/A", 10)).isEmpty();
    }

    @Test
    void optionsAreCheckedNamingTheOneThatIsWrong() {
        assertThatThrownBy(() -> new Slurm.Options(null, "90 min", null, null, false)).hasMessageContaining("--time");
        assertThatThrownBy(() -> new Slurm.Options("a b", null, null, null, false)).hasMessageContaining("--partition");
        assertThatThrownBy(() -> new Slurm.Options(null, null, 0, null, false)).hasMessageContaining("--cpus-per-task");
        assertThatThrownBy(() -> new Slurm.Options(null, null, null, 0, false)).hasMessageContaining("--throttle");
        new Slurm.Options("batch", "1-00:00:00", 4, 8, true);
        new Slurm.Options(null, "30:00", null, null, false);
    }

    @Test
    void theScriptRunsTheCellOfItsTaskWithThisJdkAndClassPath() throws Exception {
        var loader = new ExperimentLoader(Registry.strategies(), Registry.virtualMemories(),
                Registry.load("workload", WorkloadProvider.class, getClass().getClassLoader()));
        Plan plan = Plan.of(loader.parse("alloclab { repetitions = 2, strategies = [ { name = dsmalloc } ] }", "t"),
                List.of(), Map.of());
        Path script = Slurm.writeScript(dir, plan, new Slurm.Options("batch", "00:10:00", 2, 4, true), Path.of("/work"));
        String text = Files.readString(script);
        assertThat(text).contains("#SBATCH --job-name=alloclab-", "#SBATCH --output=" + dir.resolve("slurm") + "/%A_%a.out",
                "#SBATCH --chdir=/work", "#SBATCH --partition=batch", "#SBATCH --time=00:10:00", "#SBATCH --cpus-per-task=2",
                "#SBATCH --exclusive", "sbatch --array=0-5%4", "MALLOC_ARENA_MAX",
                "cell=$(( ${ALLOCLAB_CELL_OFFSET:-0} + SLURM_ARRAY_TASK_ID ))",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "org.alloclab.harness.Main cell");
        assertThat(Files.isExecutable(script)).isTrue();
    }
}
