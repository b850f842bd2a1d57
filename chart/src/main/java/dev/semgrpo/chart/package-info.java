/**
 * The one chart engine: charts drawn with Java2D in headless mode and encoded as PNG, each with the data it plots as
 * CSV text for the file beside it. {@link dev.semgrpo.chart.LineChart} draws one metric against the step,
 * {@link dev.semgrpo.chart.PanelChart} panels of bars with interval whiskers, and {@link dev.semgrpo.chart.EcdfChart}
 * overlaid empirical CDFs; all three share one {@link dev.semgrpo.chart.Canvas} (white, antialiased), the axes and
 * ticks of {@link dev.semgrpo.chart.Axes} and {@link dev.semgrpo.chart.Ticks}, the legends of
 * {@link dev.semgrpo.chart.Legend}, the colours and fonts of {@link dev.semgrpo.chart.Style} and the CSV rules of
 * {@link dev.semgrpo.chart.Csv}. A chart comes back as {@link dev.semgrpo.chart.Rendered} bytes; the caller writes
 * them through its own file writer (temporary name, then rename).
 *
 * <p>Owns: drawing, PNG encoding, the plotted data as CSV. Must not own: model, training, evaluation or metric logic
 * (the callers compute every value, interval, quantile and caption it draws) nor any other semgrpo module: it
 * depends on the JDK alone.
 */
package dev.semgrpo.chart;
