package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Validation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the whole intake path, decode → classify → dead-letter/acknowledge, with arbitrary bytes, the seed corpus
 * ({@code contracts/src/test/resources/corpus}) and mutations of a valid job: duplicate and huge keys, control
 * characters, deep nesting, wrong types. Faults are injected into the views, the dead-letter write and the status
 * sink. The properties: exactly one acknowledgement per settled record (none for a job taken to record), no exception
 * escapes, every dead letter and event is a valid contract message that survives the wire.
 *
 * <p>{@code ./mvnw verify} runs {@code jqwik.tries.default} cases per property (2,000, in
 * {@code src/test/resources/junit-platform.properties}) from a fixed seed, so the run is deterministic. A longer run:
 * {@code ./mvnw -pl worker -am test -Dtest=RecordIntakeFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Djqwik.tries.default=200000}.
 */
class RecordIntakeFuzzTest {
    private static final Path CORPUS = Path.of("..", "contracts", "src", "test", "resources", "corpus");
    private static final MintId MINT = new MintId("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final String SEED = "20261205";

    /** What one case is run against: which parts of the world throw, and what the views report. */
    record Faults(boolean views, boolean deadLetter, boolean status, boolean stopped, boolean live, boolean ended) {}

    /** Thousands of cases would log thousands of rejections; the properties, not the log, are checked here. */
    @BeforeContainer
    static void quiet() {
        intakeLogger().setLevel(ch.qos.logback.classic.Level.OFF);
    }

    @AfterContainer
    static void loud() {
        intakeLogger().setLevel(null);
    }

    private static ch.qos.logback.classic.Logger intakeLogger() {
        return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RecordIntake.class);
    }

    @Property(seed = SEED)
    void everyRecordIsSettledExactlyOnceAndNothingEscapes(@ForAll("values") byte[] value,
                                                          @ForAll("faults") Faults faults,
                                                          @ForAll("deliveryCounts") int deliveryCount) {
        IntakeHarness h = new IntakeHarness();
        h.viewsThrow = faults.views();
        h.deadLetterThrows = faults.deadLetter();
        h.statusThrows = faults.status();
        h.ended = faults.ended();
        if (faults.stopped()) {
            h.stop = Optional.of(new StopCommand(MINT, StopCommand.JobSelector.ANY, Instant.parse("2030-01-01T00:00:00Z"),
                    "r".repeat(Validation.TEXT_MAX_LENGTH)));
        }
        if (faults.live()) {
            h.holder = Optional.of(new Intake.LiveHolder(UUID.randomUUID(), "worker-2", 1));
        }
        ConsumerRecord<byte[], byte[]> r = IntakeHarness.record(1, value, deliveryCount);

        RecordIntake.Outcome outcome = h.handle(r); // must not throw

        switch (outcome) {
            case RecordIntake.Outcome.Settled settled -> {
                assertEquals(List.of(settled.type()), h.acks, "exactly one acknowledgement");
                Statistics.label("outcome").collect(settled.type());
                if (settled.type() == AcknowledgeType.RELEASE) {
                    assertTrue(faults.deadLetter(), "only a dead letter that cannot be written releases");
                }
            }
            case RecordIntake.Outcome.Take take -> {
                assertEquals(List.of(), h.acks, "a job taken to record is the slot's to acknowledge");
                RecordingJob decoded = Messages.decodeJob(value);
                assertEquals(decoded.jobId(), take.decision().job().jobId());
                Statistics.label("outcome").collect("TAKE");
            }
        }
        for (DlqRecord d : h.deadLetters) {
            Validation.text("reason", d.reason());
            assertEquals(d, Messages.decodeDlq(Messages.encode(d)), "a dead letter survives the wire");
        }
        for (StatusEvent e : h.events) {
            assertEquals(e, Messages.decodeStatus(Messages.encode(e)), "an event survives the wire");
        }
        assertTrue(h.deadLetters.size() <= 1 && h.events.size() <= 1);
    }

    @Property(seed = SEED)
    void aStopNeverThrowsAnythingButAnInvalidMessageWithAValidReason(@ForAll("values") byte[] value) {
        try {
            Messages.decodeStop(value);
        } catch (dev.mintrecorder.contracts.InvalidMessageException e) {
            Validation.text("reason", e.reason());
        }
    }

    @Provide
    Arbitrary<Faults> faults() {
        Arbitrary<Boolean> rare = Arbitraries.of(true, false, false, false, false);
        return Combinators.combine(rare, rare, rare, rare, rare, rare).as(Faults::new);
    }

    @Provide
    Arbitrary<Integer> deliveryCounts() {
        return Arbitraries.integers().between(1, 10);
    }

    @Provide
    Arbitrary<byte[]> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, corpus()),
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
                Tuple.of(6, mutatedJobs()));
    }

    private static Arbitrary<byte[]> corpus() {
        try (Stream<Path> files = Files.list(CORPUS)) {
            List<byte[]> all = files.sorted().map(RecordIntakeFuzzTest::read).toList();
            return Arbitraries.of(all);
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

    /** A valid job's fields, some replaced, removed, duplicated or joined by odd ones, in a random order. */
    private static Arbitrary<byte[]> mutatedJobs() {
        Arbitrary<String> field = Arbitraries.of("schema", "job_id", "mint_id", "room", "target_identity",
                "max_duration_s", "segment_s", "video", "requested_at", "attempt");
        Arbitrary<String> entry = Arbitraries.oneOf(
                field.map(RecordIntakeFuzzTest::validEntry),
                Combinators.combine(field, jsonValue()).as((f, v) -> quote(f) + ":" + v),
                Combinators.combine(oddKey(), jsonValue()).as((k, v) -> quote(k) + ":" + v));
        Arbitrary<List<String>> entries = entry.list().ofMaxSize(14);
        Arbitrary<Boolean> duplicateOne = Arbitraries.of(true, false);
        return Combinators.combine(field, entries, duplicateOne, oddKey()).as((f, es, dup, key) -> {
            StringBuilder json = new StringBuilder("{");
            for (String name : List.of("schema", "job_id", "mint_id", "requested_at")) {
                json.append(validEntry(name)).append(',');
            }
            es.forEach(e -> json.append(e).append(','));
            if (dup) {
                json.append(quote(key)).append(":1,").append(quote(key)).append(":2,");
            }
            json.setLength(json.length() - 1);
            return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        });
    }

    private static String validEntry(String field) {
        return quote(field) + ":" + switch (field) {
            case "schema", "attempt" -> "1";
            case "job_id" -> quote(UUID.nameUUIDFromBytes(new byte[] {1}).toString());
            case "mint_id" -> quote(MINT.value());
            case "room" -> quote("room-1");
            case "target_identity" -> quote("streamer:42");
            case "max_duration_s" -> "3600";
            case "segment_s" -> "6";
            case "video" -> "{\"max_height\":720,\"fps\":30}";
            default -> quote("2026-11-24T23:00:00Z");
        };
    }

    /** Keys as hostile as a sender can make them: control characters, quotes, huge lengths. */
    private static Arbitrary<String> oddKey() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(20),
                Arbitraries.strings().withChars('\n', '\r', '\u0000', '"', '\\', 'k', '\u2028').ofMinLength(1).ofMaxLength(40),
                Arbitraries.integers().between(500, 30_000).map("k"::repeat));
    }

    private static Arbitrary<String> jsonValue() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(l -> l + "0000000000"),
                Arbitraries.doubles().map(String::valueOf).filter(s -> !s.contains("N") && !s.contains("I")),
                Arbitraries.of("true", "false", "null", "{}", "[]", "\"\"", "[30]", "{\"fps\":\"30\"}"),
                Arbitraries.strings().all().ofMaxLength(30).map(RecordIntakeFuzzTest::quote),
                Arbitraries.integers().between(1, 2_500).map(n -> "[".repeat(n) + "]".repeat(n)));
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
