package org.alloclab.harness.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Rectangle;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;

/**
 * The report's charts, drawn by JFreeChart into SVG (JFreeSVG), so a page holds them inline and needs no
 * script or network; the same SVG is written beside the page for the Markdown report. One palette gives a
 * strategy the same colour in every chart of a report.
 */
final class Charts {

    /** A drawn chart: its SVG element and how many data points it shows (0 means it is empty). */
    record Chart(String id, String title, String svg, int points) {
    }

    /** Colour-blind-safe (Okabe–Ito, then Tol's muted), enough for a dozen strategies. */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7), new Color(0xE69F00),
        new Color(0x56B4E9), new Color(0x332288), new Color(0x882255), new Color(0x117733), new Color(0x999933),
        new Color(0x44AA99), new Color(0xAA4499), new Color(0x6699CC), new Color(0x888888),
    };

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final List<String> strategies;

    /** Charts giving each of {@code strategies} (in this order) its own colour. */
    Charts(List<String> strategies) {
        this.strategies = strategies;
    }

    Paint colour(String strategy) {
        int i = strategies.indexOf(strategy);
        return PALETTE[Math.floorMod(i < 0 ? strategy.hashCode() : i, PALETTE.length)];
    }

    /** One line of a chart: a name, x and y values, and whether it is drawn dashed or shown in the legend. */
    record Line(String name, String colourOf, double[] x, double[] y, boolean dashed, boolean inLegend, boolean thick) {
    }

    /**
     * A latency distribution chart as HdrHistogram plots it: x is {@code 1 / (1 - percentile)} on a log
     * axis labelled in percentiles (90%, 99%, 99.9%…), y is the latency on a log axis.
     */
    Chart latency(String title, String yLabel, List<Line> lines) {
        return xy(title, logAxis("percentile", new PercentileFormat(), 1),
                logAxis(yLabel, new DecimalFormat("#,##0"), 1), lines);
    }

    /** A base-10 log axis with a tick per decade, labelled by {@code format}, from {@code smallest} up. */
    private static LogAxis logAxis(String label, NumberFormat format, double smallest) {
        var axis = new LogAxis(label);
        axis.setBase(10);
        axis.setSmallestValue(smallest);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(format);
        return axis;
    }

    /** A footprint chart: bytes (shown in MiB) against operations done. */
    Chart footprint(String title, List<Line> lines) {
        return overOperations(title, "operations replayed", "MiB", lines);
    }

    /** Ratios (fragmentation, overhead) against operations done. */
    Chart ratios(String title, String yLabel, List<Line> lines) {
        return overOperations(title, "allocations, frees and reallocations done", yLabel, lines);
    }

    /** Lines against a count of operations, both axes linear from zero. */
    private Chart overOperations(String title, String xLabel, String yLabel, List<Line> lines) {
        var x = new NumberAxis(xLabel);
        x.setNumberFormatOverride(new DecimalFormat("#,##0"));
        var y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(true);
        return xy(title, x, y, lines);
    }

    private Chart xy(String title, org.jfree.chart.axis.ValueAxis x, org.jfree.chart.axis.ValueAxis y, List<Line> lines) {
        var data = new XYSeriesCollection();
        var renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setDrawSeriesLineAsPath(true);                    // one SVG path per line, not one per segment
        int points = 0;
        for (Line line : lines) {
            var s = new XYSeries(line.name(), false, true);
            for (int i = 0; i < line.x().length; i++) {
                s.add(line.x()[i], line.y()[i], false);
                points++;
            }
            int k = data.getSeriesCount();
            data.addSeries(s);
            renderer.setSeriesPaint(k, line.colourOf() == null ? Color.BLACK : colour(line.colourOf()));
            float width = line.thick() ? 2.5f : 1.5f;
            renderer.setSeriesStroke(k, line.dashed()
                    ? new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {5f, 3f}, 0f)
                    : new BasicStroke(width));
            renderer.setSeriesVisibleInLegend(k, line.inLegend());
        }
        widenIfFlat(x, org.jfree.data.general.DatasetUtils.findDomainBounds(data));
        widenIfFlat(y, org.jfree.data.general.DatasetUtils.findRangeBounds(data));
        var plot = new XYPlot(data, x, y, renderer);
        style(plot);
        var chart = new JFreeChart(title, TITLE, plot, true);
        return draw(chart, title, points, 760, 420);
    }

    /**
     * A log axis whose values are all one value gets a decade either side: a log axis cannot range over nothing (a
     * linear one widens itself), and a cell with a single timed call — a trace whose other requests the harness
     * refused — has a latency line of one point, which made the whole report fail.
     */
    private static void widenIfFlat(org.jfree.chart.axis.ValueAxis axis, org.jfree.data.Range values) {
        if (axis instanceof LogAxis && values != null && values.getLength() == 0 && values.getLowerBound() > 0) {
            axis.setRange(values.getLowerBound() / 10, values.getUpperBound() * 10);
        }
    }

    /** Horizontal bars, one per row, with a value label; {@code peers} are drawn grey. */
    Chart bars(String title, String valueLabel, List<String> rows, double[] values, List<String> peers, String format) {
        return bars(title, valueLabel, rows, values, null, null, peers, format);
    }

    /**
     * Horizontal bars, one per row, with a whisker from {@code lows[i]} to {@code highs[i]} across bar {@code i}
     * (a 95% confidence interval) where both are given and not NaN; {@code lows} and {@code highs} may be null.
     */
    Chart bars(String title, String valueLabel, List<String> rows, double[] values, double[] lows, double[] highs,
               List<String> peers, String format) {
        var data = new DefaultCategoryDataset();
        for (int i = 0; i < rows.size(); i++) {
            data.addValue(values[i], peers.contains(rows.get(i)) ? "peer" : "strategy", rows.get(i));
        }
        var renderer = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                String name = (String) getPlot().getDataset().getColumnKey(column);
                return peers.contains(name) ? new Color(0x9E9E9E) : colour(name);
            }

            @Override
            public void drawItem(java.awt.Graphics2D g2, org.jfree.chart.renderer.category.CategoryItemRendererState state,
                                 java.awt.geom.Rectangle2D dataArea, CategoryPlot plot, CategoryAxis domainAxis,
                                 org.jfree.chart.axis.ValueAxis rangeAxis, org.jfree.data.category.CategoryDataset dataset,
                                 int row, int column, int pass) {
                super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
                if (lows == null || highs == null || dataset.getValue(row, column) == null) {
                    return;
                }
                int i = rows.indexOf((String) dataset.getColumnKey(column));
                if (i < 0 || Double.isNaN(lows[i]) || Double.isNaN(highs[i])) {
                    return;
                }
                double y = domainAxis.getCategoryMiddle(column, dataset.getColumnCount(), dataArea, plot.getDomainAxisEdge());
                double x0 = rangeAxis.valueToJava2D(lows[i], dataArea, plot.getRangeAxisEdge());
                double x1 = rangeAxis.valueToJava2D(highs[i], dataArea, plot.getRangeAxisEdge());
                g2.setPaint(Color.BLACK);
                g2.setStroke(new BasicStroke(1.2f));
                g2.draw(new java.awt.geom.Line2D.Double(x0, y, x1, y));
                g2.draw(new java.awt.geom.Line2D.Double(x0, y - 4, x0, y + 4));
                g2.draw(new java.awt.geom.Line2D.Double(x1, y - 4, x1, y + 4));
            }
        };
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        renderer.setItemMargin(-1.0);                              // one bar per row whichever series holds it
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(format)));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultPositiveItemLabelPosition(new org.jfree.chart.labels.ItemLabelPosition(
                org.jfree.chart.labels.ItemLabelAnchor.OUTSIDE3, org.jfree.chart.ui.TextAnchor.CENTER_LEFT));
        var plot = new CategoryPlot(data, new CategoryAxis(), new NumberAxis(valueLabel), renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        style(plot);
        plot.getRangeAxis().setUpperMargin(0.15);
        if (highs != null) {
            double most = 0;
            for (int i = 0; i < values.length; i++) {
                most = Math.max(most, Math.max(values[i], Double.isNaN(highs[i]) ? 0 : highs[i]));
            }
            if (most > 0) {
                plot.getRangeAxis().setRange(0, most * 1.15);
            }
        }
        var chart = new JFreeChart(title, TITLE, plot, false);
        return draw(chart, title, rows.size(), 760, 80 + 26 * rows.size());
    }

    /** Grouped bars with error bars: one group per category, one bar per series (JMH scores). */
    Chart errorBars(String title, String valueLabel, List<String> series, List<String> categories, double[][] mean,
                    double[][] error) {
        var data = new DefaultStatisticalCategoryDataset();
        int points = 0;
        for (int s = 0; s < series.size(); s++) {
            for (int c = 0; c < categories.size(); c++) {
                if (!Double.isNaN(mean[s][c])) {
                    data.add(mean[s][c], Double.isNaN(error[s][c]) ? 0 : error[s][c], series.get(s), categories.get(c));
                    points++;
                }
            }
        }
        var renderer = new StatisticalBarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setErrorIndicatorPaint(Color.BLACK);
        for (int s = 0; s < series.size(); s++) {
            renderer.setSeriesPaint(s, colour(series.get(s)));
        }
        double low = Double.MAX_VALUE;
        double high = 0;
        for (double[] row : mean) {
            for (double v : row) {
                if (v > 0) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
        }
        org.jfree.chart.axis.ValueAxis range;
        if (high / low > 30) {                          // a slow peer would flatten everyone else: log scale
            range = logAxis(valueLabel + " (log)", new DecimalFormat("#,##0.#"), low / 2);
        } else {
            range = new NumberAxis(valueLabel);
        }
        var plot = new CategoryPlot(data, new CategoryAxis(), range, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        style(plot);
        var chart = new JFreeChart(title, TITLE, plot, true);
        return draw(chart, title, points, 760, 420);
    }

    private static void style(org.jfree.chart.plot.Plot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(new Color(0xDDDDDD));
            xy.setRangeGridlinePaint(new Color(0xDDDDDD));
        } else if (plot instanceof CategoryPlot c) {
            c.setRangeGridlinePaint(new Color(0xDDDDDD));
        }
    }

    private static Chart draw(JFreeChart chart, String title, int points, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
        }
        TextTitle t = chart.getTitle();
        if (t != null) {
            t.setFont(TITLE);
        }
        String id = "chart" + IDS.incrementAndGet();
        var g2 = new SVGGraphics2D(width, height);
        g2.setDefsKeyPrefix(id + "_");                    // several charts in one page: clip ids must differ
        g2.setGeomDoubleConverter(Charts::tenth);         // a tenth of a pixel is finer than any screen
        chart.draw(g2, new Rectangle(0, 0, width, height));
        // a view box lets the page scale the chart to its column instead of clipping it
        String svg = g2.getSVGElement(id, true, new org.jfree.svg.ViewBox(0, 0, width, height), null, null);
        return new Chart(id, title, svg, points);
    }

    private static String tenth(double v) {
        long t = Math.round(v * 10);
        return t % 10 == 0 ? Long.toString(t / 10) : Double.toString(t / 10.0);
    }

    /** Labels a value {@code x = 1 / (1 - p)} of a latency chart's axis as the percentile {@code p}. */
    static final class PercentileFormat extends NumberFormat {
        @Override
        public StringBuffer format(double x, StringBuffer to, FieldPosition pos) {
            double p = 100 * (1 - 1 / x);
            if (p <= 0) {
                return to.append("0%");
            }
            int decimals = Math.max(0, (int) Math.round(Math.log10(x)) - 2);
            return to.append(String.format(Locale.ROOT, "%." + decimals + "f%%", p));
        }

        @Override
        public StringBuffer format(long x, StringBuffer to, FieldPosition pos) {
            return format((double) x, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("a label, not an input");
        }
    }
}
