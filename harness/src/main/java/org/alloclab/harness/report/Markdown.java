package org.alloclab.harness.report;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** The report as Markdown: the same sections and tables as the page, charts and heap maps as image files. */
final class Markdown {

    private Markdown() {
    }

    static String render(Report report, BiFunction<Report.Section, Charts.Chart, String> chartFile) {
        var md = new StringBuilder();
        RunFolder folder = report.folder();
        md.append("# ").append(ReportWriter.title(folder)).append("\n\n");
        String rerun = Metadata.rerun(folder.header());
        if (!rerun.isEmpty()) {
            md.append("Run again with:\n\n```sh\n").append(rerun).append("\n```\n\n");
        }
        md.append("The same report as a page: [report.html](report.html). Every table is also a CSV file in `csv/`.\n\n");
        for (Report.Section s : report.sections()) {
            md.append("## ").append(s.title()).append("\n\n");
            if (!s.text().isEmpty()) {
                md.append(s.text()).append("\n\n");
            }
            for (Table t : s.tables()) {
                table(md, t);
            }
            for (Charts.Chart c : s.charts()) {
                md.append("![").append(escape(c.title())).append("](charts/").append(chartFile.apply(s, c)).append(".svg)\n\n");
            }
            for (Report.HeapMap h : s.heapMaps()) {
                md.append("**").append(escape(h.title())).append("**\n\n![heap map](charts/").append(h.id()).append(".png)\n\n")
                        .append(escape(h.caption())).append("\n\n");
            }
        }
        md.append("## How this was run\n\n| | |\n|---|---|\n");
        for (Map<String, String> row : Metadata.rows(folder.header(), folder)) {
            md.append("| ").append(escape(row.get("name"))).append(" | ").append(escape(row.get("value"))).append(" |\n");
        }
        String configuration = Metadata.configuration(folder.header());
        if (!configuration.isEmpty()) {
            md.append("\nEffective configuration:\n\n```json\n").append(configuration).append("\n```\n");
        }
        return md.toString();
    }

    private static void table(StringBuilder md, Table t) {
        md.append("### ").append(escape(t.title())).append("\n\n");
        if (!t.note().isEmpty()) {
            md.append(escape(t.note())).append("\n\n");
        }
        md.append('|');
        t.columns().forEach(c -> md.append(' ').append(escape(c)).append(" |"));
        md.append("\n|");
        for (int i = 0; i < t.columns().size(); i++) {
            boolean numeric = !t.rows().isEmpty() && t.rows().getFirst().get(i).numeric();
            md.append(numeric ? "---:|" : "---|");
        }
        md.append('\n');
        for (List<Table.Cell> row : t.rows()) {
            md.append('|');
            for (Table.Cell c : row) {
                String text = escape(c.text());
                md.append(' ').append(c.highlighted() ? "**" + text + "**" : text).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
