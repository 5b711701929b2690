package org.alloclab.harness.cli;

import java.time.Duration;

import org.alloclab.harness.config.ExperimentLoader;
import org.alloclab.harness.config.Experiment;
import picocli.CommandLine.Option;

/** How an experiment's cells run, from the command line: overrides of the configuration's settings. */
final class ExecutionOptions {

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N",
            description = "measure every strategy × workload × virtual memory × threads N times, each in a cell of its own"
                    + " (default: the configuration's, 3)")
    Integer repetitions;

    @Option(names = "--in-process", description = "run every cell in this JVM instead of a JVM each (faster to start, the"
            + " JIT's profile shared; for debugging)")
    Boolean inProcess;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "run N cells at once; their timings are then contended and marked so (default 1)")
    Integer jobs;

    @Option(names = "--cell-timeout", paramLabel = "DURATION",
            description = "kill a cell that runs longer, e.g. 90s, 10m, 2h (default: the configuration's, 10m)")
    String cellTimeout;

    @Option(names = "--max-request", paramLabel = "SIZE",
            description = "send no allocator a request above SIZE, e.g. 512MiB, 8GiB, or 25%% of the physical memory;"
                    + " larger ones are refused by the harness and counted (default: the configuration's, 25%%)")
    String maxRequest;

    /** {@code experiment} with these options applied. */
    Experiment apply(Experiment experiment) {
        if (maxRequest != null) {
            try {
                experiment = experiment.withMaxRequest(ExperimentLoader.maxRequest(maxRequest), maxRequest.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--max-request " + e.getMessage(), e);
            }
        }
        Experiment.Execution x = experiment.execution();
        if (repetitions != null) {
            if (repetitions < 1 || repetitions > ExperimentLoader.MAX_REPETITIONS) {
                throw new IllegalArgumentException("--repetitions must be from 1 to " + ExperimentLoader.MAX_REPETITIONS
                        + ", was " + repetitions);
            }
            x = x.withRepetitions(repetitions);
        }
        if (inProcess != null) {
            x = x.withFork(!inProcess);
        }
        if (jobs != null) {
            x = x.withJobs(checkedJobs());
        }
        if (cellTimeout != null) {
            x = x.withCellTimeout(duration(cellTimeout));
        }
        return experiment.withExecution(x);
    }

    /** The jobs asked for, checked; null when not given. */
    Integer checkedJobs() {
        if (jobs != null && (jobs < 1 || jobs > 1024)) {
            throw new IllegalArgumentException("--jobs must be from 1 to 1024, was " + jobs);
        }
        return jobs;
    }

    /** {@code 10 min}, {@code 90 s}, {@code 2 h}. */
    static String describe(Duration d) {
        long s = d.toSeconds();
        if (s > 0 && s % 3600 == 0) {
            return s / 3600 + " h per cell";
        }
        return s > 0 && s % 60 == 0 ? s / 60 + " min per cell" : d.toMillis() % 1000 == 0 ? s + " s per cell" : d.toMillis() + " ms per cell";
    }

    /** A duration as a configuration writes it: 90s, 10m, 2h, 500ms. */
    static Duration duration(String text) {
        try {
            Duration d = com.typesafe.config.ConfigFactory.parseString("d = \"" + text.replace("\"", "") + "\"")
                    .getDuration("d");
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("--cell-timeout must be positive, was " + text);
            }
            return d;
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("--cell-timeout must be a duration like 90s, 10m or 2h, was '" + text + "'", e);
        }
    }
}
