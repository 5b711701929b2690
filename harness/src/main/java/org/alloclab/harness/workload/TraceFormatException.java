package org.alloclab.harness.workload;

import java.nio.file.Path;

/** A trace file has a line that is not what its format allows; the message names file, line and why. */
public final class TraceFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param file   the trace
     * @param line   the line number, from 1
     * @param text   the line
     * @param reason what is wrong with it
     */
    public TraceFormatException(Path file, long line, String text, String reason) {
        super(file + ":" + line + ": " + reason + ": '" + (text.length() > 120 ? text.substring(0, 120) + "…" : text) + "'");
    }

    /**
     * A line that could not be read at all (a gzipped trace cut short or damaged there).
     *
     * @param file   the trace
     * @param line   the line number, from 1
     * @param reason what is wrong
     */
    public TraceFormatException(Path file, long line, String reason) {
        super(file + ":" + line + ": " + reason);
    }
}
