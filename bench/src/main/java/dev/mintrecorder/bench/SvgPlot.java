package dev.mintrecorder.bench;

import java.util.List;
import java.util.Locale;

/**
 * A minimal SVG line chart (RSS over time): axes with round ticks, one polyline per series, a legend. Small enough
 * that a plotting library would be more code to wire than to write.
 */
final class SvgPlot {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int W = 800;
    private static final int H = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private SvgPlot() {
    }

    /** One line: x and y values of equal length. */
    record Series(String name, double[] x, double[] y) {
        Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
            }
        }
    }

    static String render(String title, String xLabel, String yLabel, List<Series> series) {
        double xMax = 1;
        double yMax = 1;
        for (Series s : series) {
            for (double v : s.x()) {
                xMax = Math.max(xMax, v);
            }
            for (double v : s.y()) {
                yMax = Math.max(yMax, v);
            }
        }
        double xStep = niceStep(xMax);
        double yStep = niceStep(yMax);
        xMax = Math.ceil(xMax / xStep) * xStep;
        yMax = Math.ceil(yMax / yStep) * yStep;
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        StringBuilder b = new StringBuilder();
        b.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H));
        b.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H));
        b.append(f("<text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>\n", W / 2, esc(title)));
        for (double v = 0; v <= yMax + 1e-9; v += yStep) {
            double y = TOP + plotH - v / yMax * plotH;
            b.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", LEFT, y, LEFT + plotW, y));
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 6, y + 4, num(v)));
        }
        for (double v = 0; v <= xMax + 1e-9; v += xStep) {
            double x = LEFT + v / xMax * plotW;
            b.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>\n", x, TOP + plotH, x,
                    TOP + plotH + 5));
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, TOP + plotH + 18, num(v)));
        }
        b.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", LEFT, TOP,
                plotW, plotH));
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", LEFT + plotW / 2, H - 10, esc(xLabel)));
        b.append(f("<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>\n",
                TOP + plotH / 2, TOP + plotH / 2, esc(yLabel)));
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (int p = 0; p < s.x().length; p++) {
                points.append(f("%.1f,%.1f ", LEFT + s.x()[p] / xMax * plotW, TOP + plotH - s.y()[p] / yMax * plotH));
            }
            b.append(f("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n", color,
                    points.toString().trim()));
            int ly = TOP + 16 + i * 18;
            b.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", LEFT + 12,
                    ly - 4, LEFT + 36, ly - 4, color));
            b.append(f("<text x=\"%d\" y=\"%d\">%s</text>\n", LEFT + 42, ly, esc(s.name())));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    /** 1, 2 or 5 times a power of ten, giving about five to ten ticks. */
    static double niceStep(double max) {
        double raw = max / 6;
        double pow = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / pow;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : f("%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
