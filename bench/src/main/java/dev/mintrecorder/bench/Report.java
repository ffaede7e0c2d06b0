package dev.mintrecorder.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.mintrecorder.devstack.Proc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One scenario's results: figures, goals with pass/miss and ratio, notes, and optionally RSS series. Written as
 * {@code <scenario>.json}, {@code <scenario>.md} and, when there are series, {@code <scenario>-rss.svg}.
 * The load average is taken at the start and the end: the machines are shared, so every figure comes with it.
 */
final class Report {
    /** A goal from issue 6. {@code atMost}: the measured value must be ≤ target, else ≥ target. */
    record Goal(String name, boolean atMost, double target, double measured, String unit) {
        boolean pass() {
            return atMost ? measured <= target : measured >= target;
        }

        /** measured / target, or null for a zero target (then pass/miss is the whole story). */
        Double ratio() {
            return target == 0 ? null : measured / target;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("goal", name);
            m.put("target", (atMost ? "<= " : ">= ") + num(target) + " " + unit);
            m.put("measured", measured);
            m.put("unit", unit);
            m.put("pass", pass());
            m.put("ratio_measured_to_target", ratio());
            return m;
        }
    }

    private final String scenario;
    private final String summary;
    private final Instant started = Instant.now();
    private final double[] loadAtStart = Proc.loadAverage();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final List<Goal> goals = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> headlines = new LinkedHashMap<>();
    private final List<SvgPlot.Series> rss = new ArrayList<>();
    private final List<List<String>> table = new ArrayList<>();
    private List<String> tableHeader = List.of();
    private final List<Section> sections = new ArrayList<>();

    /** A further titled table, after the main one. */
    private record Section(String title, List<String> header, List<List<String>> rows) {
    }

    Report(String scenario, String summary) {
        this.scenario = scenario;
        this.summary = summary;
    }

    String scenario() {
        return scenario;
    }

    Report figure(String key, Object value) {
        figures.put(key, value instanceof Double d ? round(d) : value);
        return this;
    }

    Report goal(Goal goal) {
        goals.add(goal);
        return this;
    }

    /** A figure without a goal that the summary table shows (for example the failover gap). */
    Report headline(String name, double value, String unit) {
        headlines.put(name, num(value) + " " + unit);
        return this;
    }

    Report note(String note) {
        notes.add(note);
        return this;
    }

    /** A series of RSS in MB over seconds, for the plot. */
    Report rssSeries(String name, List<double[]> timeAndMb) {
        double[] x = new double[timeAndMb.size()];
        double[] y = new double[timeAndMb.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = timeAndMb.get(i)[0];
            y[i] = timeAndMb.get(i)[1];
        }
        rss.add(new SvgPlot.Series(name, x, y));
        return this;
    }

    /** A per-step table (for example one row per room count), shown in the Markdown and kept in the JSON. */
    Report table(List<String> header, List<List<String>> rows) {
        tableHeader = List.copyOf(header);
        table.clear();
        table.addAll(rows);
        return this;
    }

    /** A further table with a title, shown after the main table and kept in the JSON under "sections". */
    Report section(String title, List<String> header, List<List<String>> rows) {
        sections.add(new Section(title, List.copyOf(header), List.copyOf(rows)));
        return this;
    }

    List<Goal> goals() {
        return List.copyOf(goals);
    }

    /** Writes the files into {@code dir} and returns the Markdown path. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        double[] loadAtEnd = Proc.loadAverage();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", scenario);
        json.put("summary", summary);
        json.put("started", started.toString());
        json.put("finished", Instant.now().toString());
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Proc.cores());
        machine.put("load_average_start_1_5_15", loadAtStart);
        machine.put("load_average_end_1_5_15", loadAtEnd);
        json.put("machine", machine);
        json.put("figures", figures);
        json.put("goals", goals.stream().map(Goal::toMap).toList());
        json.put("headlines", headlines);
        if (!table.isEmpty()) {
            json.put("table", Map.of("header", tableHeader, "rows", table));
        }
        if (!sections.isEmpty()) {
            json.put("sections", sections.stream().map(t -> Map.of("title", t.title(), "header", t.header(),
                    "rows", t.rows())).toList());
        }
        json.put("notes", notes);
        if (!rss.isEmpty()) {
            json.put("rss_plot", scenario + "-rss.svg");
            Map<String, Object> series = new LinkedHashMap<>();
            for (SvgPlot.Series s : rss) {
                List<double[]> points = new ArrayList<>();
                for (int i = 0; i < s.x().length; i++) {
                    points.add(new double[] {round(s.x()[i]), round(s.y()[i])});
                }
                series.put(s.name(), points);
            }
            json.put("rss_mb_over_time_s", series);
            Files.writeString(dir.resolve(scenario + "-rss.svg"),
                    SvgPlot.render(scenario + ": worker RSS over time", "seconds", "RSS (MB)", rss));
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve(scenario + ".json").toFile(), json);
        Path md = dir.resolve(scenario + ".md");
        Files.writeString(md, markdown(loadAtEnd));
        return md;
    }

    String markdown(double[] loadAtEnd) {
        StringBuilder b = new StringBuilder();
        b.append("# Benchmark: ").append(scenario).append("\n\n").append(summary).append("\n\n");
        b.append(String.format(Locale.ROOT, "Run %s on %d cores; load average (1/5/15 min) %s at start, %s at end.%n%n",
                started, Proc.cores(), load(loadAtStart), load(loadAtEnd)));
        if (!goals.isEmpty()) {
            b.append("| goal | target | measured | ratio | result |\n|---|---|---|---|---|\n");
            for (Goal g : goals) {
                b.append("| ").append(g.name()).append(" | ").append(g.atMost() ? "≤ " : "≥ ").append(num(g.target()))
                        .append(' ').append(g.unit()).append(" | ").append(num(g.measured())).append(' ')
                        .append(g.unit()).append(" | ").append(g.ratio() == null ? "—" : num(g.ratio()))
                        .append(" | ").append(g.pass() ? "**pass**" : "**miss**").append(" |\n");
            }
            b.append('\n');
        }
        if (!headlines.isEmpty()) {
            b.append("| headline | value |\n|---|---|\n");
            headlines.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            b.append('\n');
        }
        if (!table.isEmpty()) {
            b.append("| ").append(String.join(" | ", tableHeader)).append(" |\n|");
            b.append("---|".repeat(tableHeader.size())).append('\n');
            for (List<String> row : table) {
                b.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            b.append('\n');
        }
        for (Section t : sections) {
            b.append(t.title()).append(":\n\n| ").append(String.join(" | ", t.header())).append(" |\n|");
            b.append("---|".repeat(t.header().size())).append('\n');
            for (List<String> row : t.rows()) {
                b.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            b.append('\n');
        }
        b.append("| figure | value |\n|---|---|\n");
        figures.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v instanceof Double d ? num(d) : v)
                .append(" |\n"));
        b.append('\n');
        if (!rss.isEmpty()) {
            b.append("![RSS over time](").append(scenario).append("-rss.svg)\n\n");
        }
        if (!notes.isEmpty()) {
            b.append("Notes:\n\n");
            notes.forEach(n -> b.append("- ").append(n).append('\n'));
        }
        return b.toString();
    }

    private static String load(double[] l) {
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f", l[0], l[1], l[2]);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e12) {
            return Long.toString((long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.3g", v);
    }
}
