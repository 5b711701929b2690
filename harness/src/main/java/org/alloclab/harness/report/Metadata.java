package org.alloclab.harness.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.alloclab.harness.run.Schema;

/** The run's metadata as the report shows it: what ran where, and the exact command that runs it again. */
final class Metadata {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private Metadata() {
    }

    /**
     * The commands that repeat the run, from any folder: check out in alloclab's own checkout the commit
     * the run was made at, go to the folder the run was started from (the command's relative paths are
     * relative to it), and run alloclab's launcher by its absolute path. Results written before alloclab
     * recorded its folder and the working directory get the command as typed, relative to the checkout.
     */
    static String rerun(Map<String, Object> header) {
        var lines = new ArrayList<String>();
        Map<?, ?> env = header.get(Schema.ENVIRONMENT) instanceof Map<?, ?> m ? m : Map.of();
        String home = env.get(Schema.ALLOCLAB_HOME) instanceof String h && !h.isBlank() ? h : null;
        String commit = env.get(Schema.GIT_COMMIT) instanceof String c && !c.isBlank() && !c.equals("unknown") ? c : null;
        if (commit != null) {
            String clean = commit.endsWith("-modified") ? commit.substring(0, commit.length() - "-modified".length()) : commit;
            lines.add((home != null ? "cd " + quote(home) + " && " : "") + "git checkout " + clean
                    + (clean.equals(commit) ? "" : "   # the run had uncommitted changes on top of this commit"));
        } else if (home != null) {
            lines.add("# alloclab " + env.get(Schema.ALLOCLAB_VERSION) + " from " + home
                    + ", not a git checkout: its commit is unknown");
        }
        if (header.get(Schema.COMMAND) instanceof List<?> command && !command.isEmpty()) {
            if (header.get(Schema.WORKING_DIRECTORY) instanceof String dir && !dir.isBlank()) {
                lines.add("cd " + quote(dir));
            } else {
                lines.add("# in alloclab's checkout: this run did not record the folder it was started from");
            }
            var words = new ArrayList<String>();
            for (int i = 0; i < command.size(); i++) {
                String w = String.valueOf(command.get(i));
                words.add(i == 0 && w.equals("alloclab") ? home != null ? quote(home + "/alloclab") : "./alloclab" : quote(w));
            }
            lines.add(String.join(" ", words));
        }
        if (header.get(Schema.SEED) != null && !String.join(" ", lines).contains("seed")) {
            lines.add("# seed " + header.get(Schema.SEED) + " (from the configuration; the same seed replays the same operations)");
        }
        return String.join("\n", lines);
    }

    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** (name, value) rows: when, what, where. */
    static List<Map<String, String>> rows(Map<String, Object> header, RunFolder folder) {
        var rows = new ArrayList<Map<String, String>>();
        add(rows, "started", header.get(Schema.STARTED));
        add(rows, "configuration", header.get(Schema.CONFIGURATION_SOURCE));
        add(rows, "seed", header.get(Schema.SEED));
        add(rows, "warm-up replays per run", header.get(Schema.WARMUP_RUNS));
        add(rows, "latency sampling", header.get(Schema.LATENCY_SAMPLING) == null ? null
                : "one call in " + header.get(Schema.LATENCY_SAMPLING) + " timed");
        add(rows, "bytes written into new blocks", header.get(Schema.TOUCH));
        add(rows, "heap map taken", header.get(Schema.HEAP_MAP));
        add(rows, "repetitions", header.get(Schema.REPETITIONS) == null ? null
                : header.get(Schema.REPETITIONS) + " per cell, run in a seeded random order");
        add(rows, "cells run", header.get(Schema.FORK) == null ? null : Boolean.TRUE.equals(header.get(Schema.FORK))
                ? "each in a JVM of its own, at most " + header.get(Schema.CELL_TIMEOUT_S) + " s each"
                + (header.get(Schema.JVM_ARGS) instanceof List<?> a && !a.isEmpty() ? ", with " + String.join(" ",
                a.stream().map(String::valueOf).toList()) : "")
                : "all in one JVM (--in-process)");
        if (header.get(Schema.CELL_COUNTS) instanceof Map<?, ?> counts) {
            add(rows, "cells", counts.get(Schema.OK) + " finished of " + counts.get("planned") + " planned"
                    + (((Number) counts.get(Schema.FAILED)).intValue() + ((Number) counts.get(Schema.CRASHED)).intValue()
                    + ((Number) counts.get(Schema.TIMED_OUT)).intValue() > 0 ? "; " + counts.get(Schema.FAILED) + " failed, "
                    + counts.get(Schema.CRASHED) + " crashed, " + counts.get(Schema.TIMED_OUT) + " timed out" : "")
                    + (((Number) counts.get("missing")).intValue() > 0 ? "; " + counts.get("missing") + " without a result" : ""));
        }
        add(rows, "measured on", folder.hosts().isEmpty() ? null : String.join(", ", folder.hosts()));
        if (header.get(Schema.ENVIRONMENT) instanceof Map<?, ?> env) {
            env.forEach((k, v) -> add(rows, String.valueOf(k).replace('_', ' '), v));
        }
        add(rows, "results folder", folder.folder().toAbsolutePath().normalize());
        add(rows, "runs", folder.runs().size() + " cells' figures, " + folder.failures().size() + " cells failed");
        if (!folder.benchmarks().isEmpty()) {
            add(rows, "JMH results", folder.benchmarks().size() + " scores (jmh.json)");
        }
        return rows;
    }

    private static void add(List<Map<String, String>> rows, String name, Object value) {
        if (value != null && !String.valueOf(value).isEmpty()) {
            rows.add(Map.of("name", name, "value", String.valueOf(value)));
        }
    }

    /** The effective configuration, as indented JSON, or "" when the folder has none. */
    static String configuration(Map<String, Object> header) {
        Object c = header.get(Schema.CONFIGURATION);
        return c == null ? "" : ReportWriter.json(c);
    }
}
