package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Validation;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzes the whole intake path, decode → classify → dead-letter/acknowledge, with generated input: arbitrary bytes,
 * the seed corpus ({@code contracts/src/test/resources/corpus}, every file each run) and mutations of a valid job
 * (duplicate and huge keys, control characters, deep nesting, wrong types, fields in any order). Faults are injected
 * into the views, the dead-letter write and the status sink. The properties, for every case: exactly one
 * acknowledgement per settled record (none for a job taken to record), no exception escapes, every dead letter and
 * event is a valid contract message that survives the wire, and a STOP decoder throws nothing but a valid rejection.
 *
 * <p>Cases come from a seeded {@link SplittableRandom}, so a run is deterministic. {@code ./mvnw verify} runs
 * {@value #DEFAULT_CASES} cases; a longer run, with another seed:
 * {@code ./mvnw -pl worker -am test -Dtest=RecordIntakeFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dintake.fuzz.cases=500000 -Dintake.fuzz.seed=7}. A failure names the seed, the case and the input in base64.
 */
class RecordIntakeFuzzTest {
    static final int DEFAULT_CASES = 5_000;
    private static final Path CORPUS = Path.of("..", "contracts", "src", "test", "resources", "corpus");
    private static final MintId MINT = new MintId("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final List<String> FIELDS = List.of("schema", "job_id", "mint_id", "room", "target_identity",
            "max_duration_s", "segment_s", "video", "requested_at", "attempt");

    /** What one case runs against: which parts of the world throw, and what the views report. */
    record Faults(boolean views, boolean deadLetter, boolean status, boolean stopped, boolean live, boolean ended) {}

    /** Thousands of cases would log thousands of rejections; the properties, not the log, are checked here. */
    @BeforeAll
    static void quiet() {
        intakeLogger().setLevel(ch.qos.logback.classic.Level.OFF);
    }

    @AfterAll
    static void loud() {
        intakeLogger().setLevel(null);
    }

    private static ch.qos.logback.classic.Logger intakeLogger() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(RecordIntake.class);
    }

    @Test
    void everyRecordIsSettledExactlyOnceAndNothingEscapes() {
        long seed = Long.getLong("intake.fuzz.seed", 20261205L);
        int cases = Integer.getInteger("intake.fuzz.cases", DEFAULT_CASES);
        SplittableRandom random = new SplittableRandom(seed);
        List<byte[]> corpus = corpus();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < cases + corpus.size(); i++) {
            byte[] value = i < corpus.size() ? corpus.get(i) : value(random, corpus);
            Faults faults = new Faults(rare(random), rare(random), rare(random), rare(random), rare(random),
                    rare(random));
            int deliveryCount = random.nextInt(1, 11);
            try {
                outcomes.merge(check(value, faults, deliveryCount), 1, Integer::sum);
            } catch (AssertionError | RuntimeException e) {
                fail("seed " + seed + ", case " + i + ", " + faults + ", delivery " + deliveryCount + ", value (base64) "
                        + Base64.getEncoder().encodeToString(value), e);
            }
        }
        System.out.printf("intake fuzz: %d cases (%d from the corpus), seed %d: %s%n", cases + corpus.size(),
                corpus.size(), seed, outcomes);
        // The generator reaches every outcome, so none of the checks above is vacuous.
        assertEquals(List.of("ACCEPT", "REJECT", "RELEASE", "TAKE"), List.copyOf(outcomes.keySet()));
    }

    /** One case: runs the intake and checks the properties; returns the outcome's name. */
    private static String check(byte[] value, Faults faults, int deliveryCount) {
        IntakeHarness h = new IntakeHarness();
        h.viewsThrow = faults.views();
        h.deadLetterThrows = faults.deadLetter();
        h.statusThrows = faults.status();
        h.ended = faults.ended();
        if (faults.stopped()) {
            h.stop = Optional.of(new StopCommand(MINT, StopCommand.JobSelector.ANY,
                    Instant.parse("2030-01-01T00:00:00Z"), "r".repeat(Validation.TEXT_MAX_LENGTH)));
        }
        if (faults.live()) {
            h.holder = Optional.of(new Intake.LiveHolder(UUID.randomUUID(), "worker-2", 1));
        }

        RecordIntake.Outcome outcome = h.handle(IntakeHarness.record(1, value, deliveryCount)); // must not throw

        String name;
        switch (outcome) {
            case RecordIntake.Outcome.Settled settled -> {
                assertEquals(List.of(settled.type()), h.acks, "exactly one acknowledgement");
                if (settled.type() == AcknowledgeType.RELEASE) {
                    assertTrue(faults.deadLetter(), "only a dead letter that cannot be written releases");
                }
                name = settled.type().name();
            }
            case RecordIntake.Outcome.Take take -> {
                assertEquals(List.of(), h.acks, "a job taken to record is the slot's to acknowledge");
                RecordingJob decoded = Messages.decodeJob(value);
                assertEquals(decoded.jobId(), take.decision().job().jobId());
                name = "TAKE";
            }
        }
        for (DlqRecord d : h.deadLetters) {
            Validation.text("reason", d.reason());
            assertEquals(d, Messages.decodeDlq(Messages.encode(d)), "a dead letter survives the wire");
        }
        for (StatusEvent e : h.events) {
            assertEquals(e, Messages.decodeStatus(Messages.encode(e)), "an event survives the wire");
        }
        assertTrue(h.deadLetters.size() <= 1 && h.events.size() <= 1, "one dead letter and one event at most");
        try {
            Messages.decodeStop(value);
        } catch (InvalidMessageException e) {
            Validation.text("reason", e.reason());
        }
        return name;
    }

    private static boolean rare(SplittableRandom random) {
        return random.nextInt(5) == 0;
    }

    private static byte[] value(SplittableRandom random, List<byte[]> corpus) {
        int kind = random.nextInt(10);
        if (kind < 2) {
            return corpus.get(random.nextInt(corpus.size()));
        }
        if (kind < 4) {
            byte[] bytes = new byte[random.nextInt(301)];
            random.nextBytes(bytes);
            return bytes;
        }
        return mutatedJob(random);
    }

    private static List<byte[]> corpus() {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.sorted().map(RecordIntakeFuzzTest::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A valid job's required fields, then fields valid, replaced or odd, perhaps a duplicated key, in any order. */
    private static byte[] mutatedJob(SplittableRandom random) {
        StringBuilder json = new StringBuilder("{");
        for (String name : List.of("schema", "job_id", "mint_id", "requested_at")) {
            if (random.nextInt(10) > 0) {
                json.append(validEntry(name)).append(',');
            }
        }
        for (int n = random.nextInt(15); n > 0; n--) {
            String field = FIELDS.get(random.nextInt(FIELDS.size()));
            switch (random.nextInt(3)) {
                case 0 -> json.append(validEntry(field));
                case 1 -> json.append(quote(field)).append(':').append(jsonValue(random));
                default -> json.append(quote(oddKey(random))).append(':').append(jsonValue(random));
            }
            json.append(',');
        }
        if (random.nextBoolean()) {
            String key = oddKey(random);
            json.append(quote(key)).append(":1,").append(quote(key)).append(":2,");
        }
        json.setLength(json.length() - 1);
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String validEntry(String field) {
        return quote(field) + ":" + switch (field) {
            case "schema", "attempt" -> "1";
            case "job_id" -> quote("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
            case "mint_id" -> quote(MINT.value());
            case "room" -> quote("room-1");
            case "target_identity" -> quote("streamer:42");
            case "max_duration_s" -> "3600";
            case "segment_s" -> "6";
            case "video" -> "{\"max_height\":720,\"fps\":30}";
            default -> quote("2026-11-24T23:00:00Z");
        };
    }

    /** Keys as hostile as a sender can make them: any characters, control characters and quotes, huge lengths. */
    private static String oddKey(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> anyString(random, 20);
            case 1 -> fromChars(random, "\n\r\u0000\"\\k\u2028", 1 + random.nextInt(40));
            default -> "k".repeat(random.nextInt(500, 30_001));
        };
    }

    private static String jsonValue(SplittableRandom random) {
        return switch (random.nextInt(7)) {
            case 0 -> Integer.toString(random.nextInt());
            case 1 -> random.nextLong() + "0000000000";
            case 2 -> Double.toString(random.nextDouble(-1e6, 1e6));
            case 3 -> List.of("true", "false", "null", "{}", "[]", "\"\"", "[30]", "{\"fps\":\"30\"}", "-1", "1.5")
                    .get(random.nextInt(10));
            case 4 -> quote(anyString(random, 30));
            case 5 -> {
                int depth = random.nextInt(1, 2_500);
                yield "[".repeat(depth) + "]".repeat(depth);
            }
            default -> quote(fromChars(random, "2026-11-24T23:00:00Z+.:", random.nextInt(30)));
        };
    }

    private static String anyString(SplittableRandom random, int maxLength) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(maxLength + 1); n > 0; n--) {
            s.append((char) random.nextInt(Character.MAX_VALUE + 1)); // lone surrogates included
        }
        return s.toString();
    }

    private static String fromChars(SplittableRandom random, String chars, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(chars.charAt(random.nextInt(chars.length())));
        }
        return s.toString();
    }

    /** A JSON string literal of {@code s}: escaped so the document stays well-formed; the content stays hostile. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
