package dev.mintrecorder.worker.ops;

import java.util.stream.Collectors;

/** Renders the configuration table in README.md from the declarations in {@link WorkerConfig}. */
public final class ConfigDoc {
    private ConfigDoc() {}

    public static String markdownTable() {
        return "| variable | default | valid values | what it does |\n|---|---|---|---|\n"
                + WorkerConfig.settings().stream()
                .map(s -> "| `" + s.name() + "`" + formerly(s) + " | " + shownDefault(s) + " | " + s.rule() + " | "
                        + s.doc() + " |")
                .collect(Collectors.joining("\n")) + "\n";
    }

    private static String formerly(Setting<?> s) {
        return s.formerName() == null ? "" : " (was `" + s.formerName() + "`)";
    }

    private static String shownDefault(Setting<?> s) {
        if (s.defaultValue() == null) {
            return "(required)";
        }
        if (s.defaultValue().isEmpty()) {
            return "(empty)";
        }
        return s.secret() ? "(set a secret)" : "`" + s.defaultValue() + "`";
    }

    public static void main(String[] args) {
        System.out.print(markdownTable());
    }
}
