package org.alloclab.harness.workload;

import java.nio.file.Path;
import java.util.List;

import org.alloclab.api.ParameterSpec;
import org.alloclab.api.Parameters;

/**
 * {@code trace}: a real program's allocations, replayed from a glibc {@code mtrace} log (see
 * {@link MtraceReader}). The seed plays no part: a trace is what it is.
 */
public final class TraceWorkload implements WorkloadProvider {

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public String description() {
        return "a real program's allocations replayed from a glibc mtrace file, plain or gzipped";
    }

    @Override
    public List<ParameterSpec> parameters() {
        return List.of(
                ParameterSpec.text("file", "", "the mtrace file (required); relative to the working folder"),
                ParameterSpec.count("alignment", 16, "alignment of every block: the format does not record it"));
    }

    @Override
    public Operations generate(String name, Parameters p, long seed) {
        return MtraceReader.read(Path.of(p.text("file")), name, alignment(p));
    }

    /**
     * Reads the trace once, whatever the threads: every thread replays it in a part of the slot space of
     * its own, from the same records.
     */
    @Override
    public List<Operations> generate(String name, Parameters p, long seed, int threads) {
        Operations ops = generate(name, p, seed);
        if (threads == 1) {
            return List.of(ops);
        }
        int space = Math.multiplyExact(ops.slotCount(), threads);
        var streams = new java.util.ArrayList<Operations>(threads);
        for (int t = 0; t < threads; t++) {
            streams.add(ops.inSlotSpace(t * ops.slotCount(), space));
        }
        return List.copyOf(streams);
    }

    /**
     * Reads the trace straight into {@code file}, never holding it whole: the heap needs room for the
     * blocks the traced program has live, not for its events. With several threads the file holds the
     * trace's records once, and an entry per thread.
     */
    @Override
    public void write(Path file, String name, Parameters p, long seed, int threads) {
        int alignment = alignment(p);
        try (var out = OperationsFile.Writer.create(file)) {
            var ops = out.stream(name);
            MtraceReader.read(Path.of(p.text("file")), ops, alignment);
            out.end(ops);
            out.spread(threads);
            out.commit();
        }
    }

    private static int alignment(Parameters p) {
        long alignment = p.count("alignment");
        if (alignment < 1 || Long.bitCount(alignment) != 1 || alignment > 4096) {
            throw p.invalid("alignment", "must be a power of two from 1 to 4096");
        }
        return (int) alignment;
    }

    /** A workload name for a trace file: its file name without {@code .gz} and {@code .mtrace}. */
    public static String nameOf(Path file) {
        return file.getFileName().toString().replaceFirst("\\.gz$", "").replaceFirst("\\.mtrace$", "");
    }
}
