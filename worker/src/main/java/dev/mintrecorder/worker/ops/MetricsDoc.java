package dev.mintrecorder.worker.ops;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Renders the metrics table in docs/metrics.md from the declarations in {@link Metric}. */
public final class MetricsDoc {
    private MetricsDoc() {}

    public static String markdownTable() {
        return "| metric | type | unit | tags | meaning |\n|---|---|---|---|---|\n"
                + Arrays.stream(Metric.values())
                .map(m -> "| `" + m.prometheusName() + "` | " + typeOf(m) + " | " + (m.unit() == null ? "" : m.unit())
                        + " | " + m.tagKeys().stream().map(t -> "`" + t + "`").collect(Collectors.joining(", "))
                        + " | " + m.description() + " |")
                .collect(Collectors.joining("\n")) + "\n";
    }

    /** The Prometheus metric type, as {@code # TYPE} on {@code /metrics} says it. */
    public static String typeOf(Metric m) {
        return switch (m.type()) {
            case COUNTER -> "counter";
            case GAUGE -> "gauge";
            case TIMER -> "histogram";
            default -> throw new IllegalStateException("no Prometheus type for " + m.type());
        };
    }

    public static void main(String[] args) {
        System.out.print(markdownTable());
    }
}
