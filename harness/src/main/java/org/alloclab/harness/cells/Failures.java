package org.alloclab.harness.cells;

import java.util.LinkedHashMap;
import java.util.Map;

import org.alloclab.harness.run.Schema;

/** The entry of a cell that did not finish: what it was, how it ended ({@link Schema#STATUS}) and why. */
final class Failures {

    private Failures() {
    }

    /** The failure of {@code cell} with {@code status} ({@code failed}, {@code crashed}, {@code timed_out}). */
    static Map<String, Object> entry(Cell cell, String status, String error) {
        var m = new LinkedHashMap<String, Object>();
        m.put(Schema.CELL, cell.id());
        m.put(Schema.STRATEGY, cell.strategy());
        m.put(Schema.VIRTUAL_MEMORY, cell.virtualMemory());
        m.put(Schema.WORKLOAD, cell.workload());
        m.put(Schema.THREADS, cell.threads());
        m.put(Schema.REPETITION, cell.repetition());
        m.put(Schema.STATUS, status);
        m.put(Schema.ERROR, error);
        return m;
    }
}
