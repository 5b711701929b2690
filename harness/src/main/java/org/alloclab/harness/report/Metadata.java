package org.alloclab.harness.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The run's metadata as the report shows it: what ran where, and the exact command that runs it again. */
final class Metadata {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private Metadata() {
    }

    /**
     * The commands that repeat the run: check out the commit it was made at, then the same command line.
     * Paths in the command are as they were typed, relative to the checkout.
     */
    static String rerun(Map<String, Object> header) {
        var lines = new ArrayList<String>();
        if (header.get("environment") instanceof Map<?, ?> env && env.get("git_commit") instanceof String commit
                && !commit.isBlank() && !commit.equals("unknown")) {
            lines.add("git checkout " + commit);
        }
        if (header.get("command") instanceof List<?> command && !command.isEmpty()) {
            var words = new ArrayList<String>();
            for (int i = 0; i < command.size(); i++) {
                String w = String.valueOf(command.get(i));
                words.add(i == 0 && w.equals("alloclab") ? "./alloclab" : quote(w));
            }
            lines.add(String.join(" ", words));
        }
        if (header.get("seed") != null && !String.join(" ", lines).contains("seed")) {
            lines.add("# seed " + header.get("seed") + " (from the configuration; the same seed replays the same operations)");
        }
        return String.join("\n", lines);
    }

    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** (name, value) rows: when, what, where. */
    static List<Map<String, String>> rows(Map<String, Object> header, RunFolder folder) {
        var rows = new ArrayList<Map<String, String>>();
        add(rows, "started", header.get("started"));
        add(rows, "configuration", header.get("configuration_source"));
        add(rows, "seed", header.get("seed"));
        add(rows, "warm-up replays per run", header.get("warmup_runs"));
        add(rows, "latency sampling", header.get("latency_sampling") == null ? null
                : "one call in " + header.get("latency_sampling") + " timed");
        add(rows, "bytes written into new blocks", header.get("touch"));
        add(rows, "heap map taken", header.get("heap_map"));
        if (header.get("environment") instanceof Map<?, ?> env) {
            env.forEach((k, v) -> add(rows, String.valueOf(k).replace('_', ' '), v));
        }
        add(rows, "results folder", folder.folder().toAbsolutePath().normalize());
        add(rows, "runs", folder.runs().size() + " finished, " + folder.failures().size() + " failed");
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
        Object c = header.get("configuration");
        return c == null ? "" : ReportWriter.json(c);
    }
}
