package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The intake's seed corpus ({@code src/test/resources/corpus}: the messages that once jammed a slot, coerced types,
 * huge keys, deep nesting, bad bytes): the JSON Schema and {@link Messages} agree on every message, and every
 * rejection reason is valid free text. The worker's intake fuzz test starts from the same corpus.
 */
class CorpusAgreementTest {
    static final Path CORPUS = Path.of("src", "test", "resources", "corpus");
    /** Rules a JSON Schema cannot state (a relation between two fields): only the decoder refuses these. */
    private static final Set<String> SCHEMA_BLIND = Set.of("job-segment-over-duration.json");
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://mintrecorder.dev/schemas/", "classpath:schemas/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();

    static Stream<Path> corpus() throws IOException {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.sorted().toList().stream();
        }
    }

    @Test
    void theCorpusHoldsBothKindsOfMessage() throws IOException {
        assertTrue(corpus().filter(p -> p.getFileName().toString().startsWith("job-")).count() >= 20);
        assertTrue(corpus().filter(p -> p.getFileName().toString().startsWith("stop-")).count() >= 4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void schemaAndDecoderAgree(Path file) throws IOException {
        String name = file.getFileName().toString();
        boolean job = name.startsWith("job-");
        byte[] raw = Files.readAllBytes(file);
        String decoderSays;
        try {
            if (job) {
                Messages.decodeJob(raw);
            } else {
                Messages.decodeStop(raw);
            }
            decoderSays = "valid";
        } catch (InvalidMessageException e) {
            Validation.text("reason", e.reason());
            decoderSays = "invalid";
        }
        JsonNode tree;
        try {
            tree = raw.length == 0 ? null : STRICT.readTree(raw);
        } catch (IOException notJson) {
            tree = null;
        }
        if (tree == null) {
            assertEquals("invalid", decoderSays, name + " is not well-formed JSON");
            return;
        }
        JsonSchema schema = FACTORY.getSchema(SchemaLocation.of("https://mintrecorder.dev/schemas/"
                + (job ? "recording-job" : "stop-command") + ".schema.json"), CONFIG);
        String schemaSays = schema.validate(tree).isEmpty() ? "valid" : "invalid";
        if (SCHEMA_BLIND.contains(name)) {
            assertEquals("invalid", decoderSays, name);
            return;
        }
        assertEquals(schemaSays, decoderSays, name + ": schema says " + schemaSays);
        assertEquals(name.contains("-valid"), "valid".equals(decoderSays), name);
    }

    @Test
    void aStopIsNeverCoerced() {
        assertThrows(InvalidMessageException.class,
                () -> Messages.decodeStop(Files.readAllBytes(CORPUS.resolve("stop-reason-number.json"))));
    }
}
