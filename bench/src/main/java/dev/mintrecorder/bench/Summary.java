package dev.mintrecorder.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bench/results/summary.md}: every goal of every scenario's latest report in one table, rebuilt from the JSON
 * files after each run. Its links are relative to {@code bench/results/}. The README's "Benchmarks" section shows a
 * copy of the table, made by hand, whose links must carry the {@code bench/results/} prefix.
 */
final class Summary {
    private static final List<String> ORDER = List.of("stall", "capacity", "latency", "failover", "fleet");

    private Summary() {
    }

    static Path write(Path results) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder("# Benchmark results\n\nThe latest run of each scenario "
                + "(`./scripts/bench <scenario>`); details in each scenario's `.md` and `.json`.\n\n"
                + "| scenario | goal | target | measured | ratio | result | run (load avg 1 min, start/end) |\n"
                + "|---|---|---|---|---|---|---|\n");
        List<Path> reports;
        try (Stream<Path> files = Files.list(results)) {
            reports = files.filter(p -> p.toString().endsWith(".json"))
                    .sorted((x, y) -> Integer.compare(rank(x), rank(y))).toList();
        }
        for (Path p : reports) {
            JsonNode r = json.readTree(p.toFile());
            String scenario = r.path("scenario").asText();
            JsonNode m = r.path("machine");
            String run = r.path("started").asText().replaceAll("\\.\\d+Z$", "Z") + " ("
                    + m.path("load_average_start_1_5_15").path(0).asText() + "/"
                    + m.path("load_average_end_1_5_15").path(0).asText() + ")";
            for (JsonNode g : r.path("goals")) {
                JsonNode ratio = g.path("ratio_measured_to_target");
                b.append("| [").append(scenario).append("](").append(scenario).append(".md) | ")
                        .append(g.path("goal").asText()).append(" | ").append(g.path("target").asText()).append(" | ")
                        .append(Report.num(g.path("measured").asDouble())).append(' ').append(g.path("unit").asText())
                        .append(" | ").append(ratio.isNull() || ratio.isMissingNode() ? "—" : Report.num(ratio.asDouble()))
                        .append(" | ").append(g.path("pass").asBoolean() ? "pass" : "**miss**").append(" | ")
                        .append(run).append(" |\n");
            }
            r.path("headlines").properties().forEach(h -> b.append("| [").append(scenario).append("](")
                    .append(scenario).append(".md) | ").append(h.getKey()).append(" | — | ")
                    .append(h.getValue().asText()).append(" | — | — | ").append(run).append(" |\n"));
        }
        Path out = results.resolve("summary.md");
        Files.writeString(out, b.toString());
        return out;
    }

    private static int rank(Path p) {
        String name = p.getFileName().toString().replace(".json", "");
        int i = ORDER.indexOf(name);
        return i < 0 ? ORDER.size() : i;
    }
}
