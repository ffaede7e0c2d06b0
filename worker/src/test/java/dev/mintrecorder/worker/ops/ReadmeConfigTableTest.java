package dev.mintrecorder.worker.ops;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's configuration table is generated from the declarations; this test keeps the two in step.
 * Run with {@code -Dreadme.update=true} to rewrite the table.
 */
class ReadmeConfigTableTest {
    private static final String START = "<!-- config-table:start (generated from WorkerConfig; see ReadmeConfigTableTest) -->\n";
    private static final String END = "<!-- config-table:end -->";

    @Test
    void readmeListsEveryVariableAsDeclared() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int from = text.indexOf(START);
        int to = text.indexOf(END);
        if (from < 0 || to < from) {
            throw new AssertionError("README.md lacks the config-table markers");
        }
        String current = text.substring(from + START.length(), to);
        String expected = ConfigDoc.markdownTable();
        if (Boolean.getBoolean("readme.update") && !current.equals(expected)) {
            Files.writeString(readme, text.substring(0, from + START.length()) + expected + text.substring(to));
            return;
        }
        assertEquals(expected, current, "README.md's configuration table is stale: run "
                + "./mvnw -pl worker test -Dtest=ReadmeConfigTableTest -Dreadme.update=true");
    }
}
