package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas (for non-Java producers) and the Java records agree: every sample the records write validates,
 * and every invalid variant is refused by both the schema and {@link Messages}.
 */
class SchemaAgreementTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://mintrecorder.dev/schemas/", "classpath:schemas/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();

    /**
     * The schemas as released before STOPPED and FAILED gained {@code code} and {@code recording} (copied from git
     * into {@code schemas-previous/}): what a consumer built against the previous contract validates with.
     */
    private static final JsonSchemaFactory PREVIOUS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://mintrecorder.dev/schemas/", "classpath:schemas-previous/")));

    private static JsonSchema schemaFor(Message message) {
        String file = switch (message) {
            case RecordingJob j -> "recording-job";
            case StopCommand s -> "stop-command";
            case StatusEvent s -> "status-event";
            case MemoryAlarm a -> "memory-alarm";
            case DlqRecord d -> "dlq-record";
        };
        return FACTORY.getSchema(SchemaLocation.of("https://mintrecorder.dev/schemas/" + file + ".schema.json"), CONFIG);
    }

    private static void decode(Message kind, byte[] raw) {
        switch (kind) {
            case RecordingJob j -> Messages.decodeJob(raw);
            case StopCommand s -> Messages.decodeStop(raw);
            case StatusEvent s -> Messages.decodeStatus(raw);
            case MemoryAlarm a -> Messages.decodeAlarm(raw);
            case DlqRecord d -> Messages.decodeDlq(raw);
        }
    }

    static List<Message> samples() {
        return Samples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everySampleValidates(Message message) throws Exception {
        JsonNode wire = JSON.readTree(Messages.encode(message));
        Set<ValidationMessage> errors = schemaFor(message).validate(wire);
        assertEquals(Set.of(), errors, wire::toString);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void unknownFieldsAreAcceptedByBoth(Message message) throws Exception {
        ObjectNode wire = (ObjectNode) JSON.readTree(Messages.encode(message));
        wire.put("added_in_a_later_minor", "ignored");
        assertEquals(Set.of(), schemaFor(message).validate(wire));
        assertDoesNotThrow(() -> decode(message, JSON.writeValueAsBytes(wire)));
    }

    static List<StatusEvent> statusSamples() {
        return Samples.all().stream().filter(m -> m instanceof StatusEvent).map(m -> (StatusEvent) m).toList();
    }

    /** Within schema 1 the new fields are additions an old reader ignores: it still accepts every event. */
    @ParameterizedTest
    @MethodSource("statusSamples")
    void anOldConsumerStillReadsEveryEvent(StatusEvent event) throws Exception {
        JsonNode wire = JSON.readTree(Messages.encode(event));
        JsonSchema previous = PREVIOUS.getSchema(
                SchemaLocation.of("https://mintrecorder.dev/schemas/status-event.schema.json"), CONFIG);
        assertEquals(Set.of(), previous.validate(wire), wire::toString);
    }

    /** The terminal events the worker writes carry the code, and the recording where there is one. */
    @org.junit.jupiter.api.Test
    void terminalEventsCarryCodeAndRecording() throws Exception {
        JsonNode stopped = JSON.readTree(Messages.encode(Samples.all().get(12)));
        assertEquals("MAX_DURATION", stopped.get("code").asText());
        JsonNode recording = stopped.get("recording");
        assertEquals("recordings/" + Samples.MINT.value() + "/" + Samples.JOB + "/index.m3u8",
                recording.get("playlist_key").asText());
        assertEquals(20, recording.get("segments").asLong());
        assertEquals("2026-11-24T23:00:00Z", recording.get("ended_at").asText());
        JsonNode failed = JSON.readTree(Messages.encode(Samples.all().get(13)));
        assertEquals("ENCODER", failed.get("code").asText());
        assertEquals(Samples.recording(), ((StatusEvent.Failed) Messages.decodeStatus(Messages.encode(
                Samples.all().get(13)))).recording());
    }

    private static Arguments invalid(Message sample, String what, Consumer<ObjectNode> change) {
        return Arguments.of(sample, what, change);
    }

    static Stream<Arguments> invalidVariants() {
        List<Message> all = Samples.all();
        Message job = all.get(0), stop = all.get(3), segment = all.get(7), failed = all.get(13), alarm = all.get(16),
                dlq = all.get(18), lostBefore = all.get(all.size() - 2), spoolAlarm = all.getLast();
        return Stream.of(
                invalid(job, "newer major schema", n -> n.put("schema", 2)),
                invalid(job, "schema missing", n -> n.remove("schema")),
                invalid(job, "mint_id with 0", n -> n.put("mint_id", "0GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr")),
                invalid(job, "mint_id too short", n -> n.put("mint_id", "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9")),
                invalid(job, "job_id not a UUID", n -> n.put("job_id", "job-1")),
                invalid(job, "mint_id missing", n -> n.remove("mint_id")),
                invalid(job, "requested_at not a timestamp", n -> n.put("requested_at", "yesterday")),
                invalid(job, "segment_s too long", n -> n.put("segment_s", 61)),
                invalid(job, "segment_s as string", n -> n.put("segment_s", "6")),
                invalid(job, "max_duration_s too short", n -> n.put("max_duration_s", 9)),
                invalid(job, "fps too high", n -> n.putObject("video").put("fps", 61)),
                invalid(job, "room with slash", n -> n.put("room", "a/b")),
                invalid(job, "room with dot-dot", n -> n.put("room", "a..b")),
                invalid(job, "target with space", n -> n.put("target_identity", "a b")),
                invalid(job, "attempt zero", n -> n.put("attempt", 0)),
                invalid(stop, "job_id neither UUID nor any", n -> n.put("job_id", "all")),
                invalid(stop, "reason blank", n -> n.put("reason", "  ")),
                invalid(stop, "reason with newline", n -> n.put("reason", "a\nb")),
                invalid(segment, "unknown type", n -> n.put("type", "EXPLODED")),
                invalid(segment, "type missing", n -> n.remove("type")),
                invalid(segment, "negative bytes", n -> n.put("bytes", -1)),
                invalid(segment, "worker_id missing", n -> n.remove("worker_id")),
                invalid(failed, "scope unknown", n -> n.put("scope", "GLOBAL")),
                invalid(failed, "error missing", n -> n.remove("error")),
                invalid(failed, "failure code unknown", n -> n.put("code", "EXPLODED")),
                invalid(failed, "failure code not a string", n -> n.put("code", 3)),
                invalid(all.get(12), "end code unknown", n -> n.put("code", "BORED")),
                invalid(all.get(12), "recording without bucket", n -> ((ObjectNode) n.get("recording")).remove("bucket")),
                invalid(all.get(12), "recording with negative segments",
                        n -> ((ObjectNode) n.get("recording")).put("segments", -1)),
                invalid(all.get(12), "recording with zero attempts",
                        n -> ((ObjectNode) n.get("recording")).put("attempts", 0)),
                invalid(all.get(12), "recording ended_at not a timestamp",
                        n -> ((ObjectNode) n.get("recording")).put("ended_at", 1764025200)),
                invalid(alarm, "level unknown", n -> n.put("level", "PANIC")),
                invalid(alarm, "room mint_id invalid", n -> ((ObjectNode) n.get("rooms").get(0)).put("mint_id", "x")),
                invalid(alarm, "native_bytes missing", n -> n.remove("native_bytes")),
                invalid(dlq, "negative offset", n -> ((ObjectNode) n.get("source")).put("offset", -1)),
                invalid(dlq, "raw not base64", n -> n.put("raw", "%%%")),
                invalid(lostBefore, "lost without reason", n -> ((ObjectNode) n.get("lost")).remove("reason")),
                invalid(lostBefore, "lost of no segment", n -> ((ObjectNode) n.get("lost")).put("segments", 0)),
                invalid(spoolAlarm, "spool level unknown", n -> ((ObjectNode) n.get("spool")).put("level", "FULL")),
                invalid(spoolAlarm, "spool bytes negative", n -> ((ObjectNode) n.get("spool")).put("bytes", -1)));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalidVariants")
    void invalidVariantsAreRefusedByBoth(Message sample, String what, Consumer<ObjectNode> change) throws Exception {
        ObjectNode wire = (ObjectNode) JSON.readTree(Messages.encode(sample));
        change.accept(wire);
        assertFalse(schemaFor(sample).validate(wire).isEmpty(), "schema accepted: " + wire);
        assertThrows(InvalidMessageException.class, () -> decode(sample, JSON.writeValueAsBytes(wire)),
                "decoder accepted: " + wire);
    }
}
