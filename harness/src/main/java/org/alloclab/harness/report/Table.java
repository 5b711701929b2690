package org.alloclab.harness.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A table of the report, written three ways from one model: HTML, Markdown and CSV. A cell keeps its raw
 * value for the CSV and its formatted text for the page; a highlighted cell is the best of its column.
 *
 * @param id      file-name-safe identifier; the CSV is {@code csv/<id>.csv}
 * @param title   the heading
 * @param note    a sentence under the heading saying how to read it, or ""
 * @param columns column headings
 * @param rows    the rows
 */
record Table(String id, String title, String note, List<String> columns, List<List<Cell>> rows) {

    /**
     * One cell.
     *
     * @param text        what the page shows
     * @param raw         what the CSV holds (a plain number where the text is formatted)
     * @param numeric     right-aligned
     * @param highlighted the best of its column
     * @param ranked      whether it may be the best (not when its run failed allocations, say)
     */
    record Cell(String text, String raw, boolean numeric, boolean highlighted, boolean ranked) {

        static Cell text(String text) {
            return new Cell(text, text, false, false, false);
        }

        static Cell number(String text, Object raw) {
            return new Cell(text, raw == null ? "" : String.valueOf(raw), true, false, true);
        }

        Cell highlight() {
            return new Cell(text, raw, numeric, true, ranked);
        }

        /** This cell, left out of the ranking. */
        Cell unranked() {
            return new Cell(text, raw, numeric, highlighted, false);
        }
    }

    /** A table being built row by row. */
    static final class Builder {
        private final String id;
        private final String title;
        private final String note;
        private final List<String> columns;
        private final List<List<Cell>> rows = new ArrayList<>();

        Builder(String id, String title, String note, List<String> columns) {
            this.id = id;
            this.title = title;
            this.note = note;
            this.columns = List.copyOf(columns);
        }

        Builder row(List<Cell> cells) {
            if (cells.size() != columns.size()) {
                throw new IllegalArgumentException("table " + id + ": a row of " + cells.size() + " cells for "
                        + columns.size() + " columns");
            }
            rows.add(new ArrayList<>(cells));
            return this;
        }

        /** Highlights, in column {@code c}, the cells whose raw number is least ({@code lowest}) or greatest. */
        Builder best(int c, boolean lowest) {
            double best = lowest ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            for (List<Cell> r : rows) {
                if (!r.get(c).ranked()) {
                    continue;
                }
                double v = parse(r.get(c).raw());
                if (!Double.isNaN(v) && (lowest ? v < best : v > best)) {
                    best = v;
                }
            }
            for (List<Cell> r : rows) {
                if (r.get(c).ranked() && parse(r.get(c).raw()) == best) {
                    r.set(c, r.get(c).highlight());
                }
            }
            return this;
        }

        private static double parse(String s) {
            try {
                return s == null || s.isEmpty() ? Double.NaN : Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }

        boolean isEmpty() {
            return rows.isEmpty();
        }

        Table build() {
            return new Table(id, title, note, columns, rows.stream().map(List::copyOf).toList());
        }
    }
}
