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
        long alignment = p.count("alignment");
        if (alignment < 1 || Long.bitCount(alignment) != 1 || alignment > 4096) {
            throw p.invalid("alignment", "must be a power of two from 1 to 4096");
        }
        return MtraceReader.read(Path.of(p.text("file")), name, (int) alignment);
    }

    /** A workload name for a trace file: its file name without {@code .gz} and {@code .mtrace}. */
    public static String nameOf(Path file) {
        return file.getFileName().toString().replaceFirst("\\.gz$", "").replaceFirst("\\.mtrace$", "");
    }
}
