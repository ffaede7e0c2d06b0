package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer samples of docs/events.md ({@code infra/samples/status_consumer.py} with jsonschema,
 * {@code infra/samples/status-consumer.mjs} with ajv) run on every status event the contract samples hold, written as
 * the worker writes them, plus events they must skip: both validate each against the schemas and print the same
 * finished recordings. Kafka is not involved: the samples' {@code --check FILE} mode reads the events from a file.
 */
class ConsumerSamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SAMPLES = ROOT.resolve("infra/samples");
    private static final String SCHEMAS = ROOT.resolve("contracts/src/main/resources/schemas").toString();

    /** What both samples print for {@link Samples#all()}'s status events, in order. */
    private static List<String> expected() {
        String head = "mint=" + Samples.MINT.value() + " job=" + Samples.JOB + " attempt=1 code=";
        String recording = " s3://recordings/" + S3Keys.playlist(Samples.MINT, Samples.JOB) + " duration_s=119.9"
                + " segments=20 bytes=30000000 dropped_frames=3 gaps=1 resumes=1 started=2026-11-24T22:57:55Z"
                + " ended=2026-11-24T23:00:00Z";
        return List.of(
                "STOPPED " + head + "MAX_DURATION" + recording,
                "FAILED " + head + "ENCODER" + recording,
                "STOPPED " + head + "STOP_REQUESTED (nothing recorded)",
                "FAILED " + head + "ROOM_NOT_FOUND (nothing recorded)",
                "STOPPED " + head + "UNKNOWN (nothing recorded)",
                "FAILED " + head + "UNKNOWN (nothing recorded)");
    }

    private static Path events(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Message m : Samples.all()) {
            if (m instanceof StatusEvent) {
                lines.add(new String(Messages.encode(m), StandardCharsets.UTF_8));
            }
        }
        lines.add("not json");
        lines.add("{\"type\":\"STOPPED\",\"schema\":1}"); // invalid: skipped, not printed
        lines.add(lines.get(7).replace("\"schema\":1", "\"schema\":2")); // a newer major: skipped
        Path file = dir.resolve("events.jsonl");
        Files.write(file, lines);
        return file;
    }

    private static List<String> run(Path dir, String... command) throws Exception {
        Path out = dir.resolve("out-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.txt").toFile())).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + Files.readString(dir.resolve("stderr.txt")));
        return Files.readAllLines(out);
    }

    private static boolean works(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void thePythonSamplePrintsTheFinishedRecordings(@TempDir Path dir) throws Exception {
        assumeTrue(works("python3", "-c", "import jsonschema"), "python3 with jsonschema (scripts/setup installs it)");
        Path events = events(dir);
        assertEquals(expected(), run(dir, "python3", SAMPLES.resolve("status_consumer.py").toString(),
                "--schemas", SCHEMAS, "--check", events.toString()));
        String skipped = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(3, skipped.lines().filter(l -> l.startsWith("skipped: ")).count(), skipped);
    }

    @Test
    void theNodeSamplePrintsTheFinishedRecordings(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(SAMPLES.resolve("node_modules/ajv")) && works("node", "--version"),
                "node and infra/samples/node_modules (scripts/setup installs them)");
        Path events = events(dir);
        assertEquals(expected(), run(dir, "node", SAMPLES.resolve("status-consumer.mjs").toString(),
                "--schemas", SCHEMAS, "--check", events.toString()));
        String skipped = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(3, skipped.lines().filter(l -> l.startsWith("skipped: ")).count(), skipped);
    }
}
