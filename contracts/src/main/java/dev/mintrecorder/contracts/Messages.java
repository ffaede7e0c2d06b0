package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.Arrays;
import java.util.Collection;

/**
 * The one way bytes become messages and back. Consumers call {@code decodeX(byte[])} on the raw Kafka value and get
 * either a valid record or an {@link InvalidMessageException} whose reason says exactly what is wrong.
 *
 * <p>Decoding, in order: size ({@value Validation#MAX_MESSAGE_BYTES} bytes at most), well-formed JSON (strict: no
 * duplicate fields, no trailing data), a JSON object, the {@code schema} rule of {@link Message}, then binding with no
 * type coercion (a string is never read as a number or the reverse), then the records' own validation. Unknown fields
 * are ignored.
 */
public final class Messages {
    private Messages() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.READ_DATE_TIMESTAMPS_AS_NANOSECONDS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new SimpleModule("strict-instant").addDeserializer(Instant.class, new StrictInstant()))
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** Reads what it can of a message that failed to decode, to say whose it was: no duplicate check, no binding. */
    private static final ObjectMapper LENIENT = JsonMapper.builder().build();

    /**
     * A timestamp is an ISO-8601 string and nothing else: the JSR-310 default would also read a number as epoch
     * seconds, which the schema forbids.
     */
    private static final class StrictInstant extends StdScalarDeserializer<Instant> {
        StrictInstant() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            return InstantDeserializer.INSTANT.deserialize(p, ctxt);
        }
    }

    /** Whose a message was, as far as its job_id and mint_id can be read (each only when valid). */
    public record Identity(Optional<UUID> jobId, Optional<MintId> mintId) {
        public static final Identity UNKNOWN = new Identity(Optional.empty(), Optional.empty());
    }

    /**
     * Best effort: the job_id and mint_id of a message that may be invalid in other ways (a duplicate field, a bad
     * room), so that its rejection can name them. Never throws.
     */
    public static Identity identify(byte[] raw) {
        if (raw == null || raw.length == 0 || raw.length > Validation.MAX_MESSAGE_BYTES) {
            return Identity.UNKNOWN;
        }
        try {
            JsonNode tree = LENIENT.readTree(raw);
            if (tree == null || !tree.isObject()) {
                return Identity.UNKNOWN;
            }
            return new Identity(text(tree, "job_id").flatMap(Messages::uuid), text(tree, "mint_id").flatMap(Messages::mint));
        } catch (IOException | RuntimeException e) {
            return Identity.UNKNOWN;
        }
    }

    private static Optional<String> text(JsonNode tree, String field) {
        JsonNode v = tree.get(field);
        return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
    }

    private static Optional<UUID> uuid(String s) {
        try {
            UUID u = UUID.fromString(s);
            return u.toString().equalsIgnoreCase(s) ? Optional.of(u) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<MintId> mint(String s) {
        try {
            return Optional.of(new MintId(s));
        } catch (InvalidMessageException e) {
            return Optional.empty();
        }
    }

    public static byte[] encode(Message message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            // Every Message is a plain record of JSON-friendly types; failing here is a programming error.
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    public static RecordingJob decodeJob(byte[] raw) {
        return decode(raw, RecordingJob.class);
    }

    public static StopCommand decodeStop(byte[] raw) {
        return decode(raw, StopCommand.class);
    }

    public static StatusEvent decodeStatus(byte[] raw) {
        return decode(raw, StatusEvent.class);
    }

    public static MemoryAlarm decodeAlarm(byte[] raw) {
        return decode(raw, MemoryAlarm.class);
    }

    /** A dead letter carries a whole rejected message as base64, so it may exceed the size of the message itself. */
    public static DlqRecord decodeDlq(byte[] raw) {
        return decode(raw, DlqRecord.class, Validation.MAX_DLQ_MESSAGE_BYTES);
    }

    /** The mapper's tree form of a message, for tools and schema checks. */
    public static JsonNode toTree(Message message) {
        return MAPPER.valueToTree(message);
    }

    private static <T extends Message> T decode(byte[] raw, Class<T> type) {
        return decode(raw, type, Validation.MAX_MESSAGE_BYTES);
    }

    private static <T extends Message> T decode(byte[] raw, Class<T> type, int maxBytes) {
        if (raw == null || raw.length == 0) {
            throw new InvalidMessageException("empty message");
        }
        if (raw.length > maxBytes) {
            throw new InvalidMessageException("message too large: " + raw.length + " bytes exceeds " + maxBytes);
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(malformed(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does no I/O
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidMessageException("message must be a JSON object");
        }
        checkSchema(tree.get("schema"));
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException(reason(e));
        }
    }

    private static void checkSchema(JsonNode schema) {
        if (schema == null || schema.isNull()) {
            throw new InvalidMessageException("missing field schema");
        }
        if (!schema.isIntegralNumber() || !schema.canConvertToInt()) {
            throw new InvalidMessageException("wrong type for field schema: expected integer");
        }
        int version = schema.intValue();
        if (version < 1) {
            throw new InvalidMessageException("invalid schema: " + version + " is below 1");
        }
        if (version > Message.SCHEMA) {
            throw new InvalidMessageException("unsupported schema version " + version
                    + ": this reader understands up to " + Message.SCHEMA);
        }
    }

    private static String malformed(JsonProcessingException e) {
        var at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr();
        String what = e.getOriginalMessage();
        if (what != null && what.startsWith("Duplicate field '") && what.endsWith("'")) {
            // The field name is the sender's text: quote() bounds and escapes it.
            return "malformed JSON" + where + ": Duplicate field "
                    + quote(what.substring("Duplicate field '".length(), what.length() - 1));
        }
        return "malformed JSON" + where;
    }

    /** Turns a binding failure into a reason that names the field and the rule. */
    private static String reason(JsonProcessingException e) {
        Throwable cause = e.getCause();
        if (e instanceof ValueInstantiationException && cause instanceof InvalidMessageException invalid) {
            return invalid.reason();
        }
        if (e instanceof JsonMappingException mapping && cause instanceof InputCoercionException coercion) {
            // A number too big for its field.
            return "invalid " + path(mapping) + ": " + numberText(coercion) + " is out of "
                    + typeName(coercion.getTargetType()) + " range";
        }
        if (e instanceof InvalidTypeIdException typeId) {
            String id = typeId.getTypeId();
            return id == null ? "missing field type" : "unknown type " + quote(id);
        }
        if (e instanceof MismatchedInputException mismatch) {
            String field = path(mismatch);
            Class<?> target = mismatch.getTargetType();
            if (target == UUID.class) {
                return "invalid " + field + ": not a UUID";
            }
            if (target == Instant.class) {
                return "invalid " + field + ": not an ISO-8601 timestamp";
            }
            if (target != null && target.isEnum()) {
                return "invalid " + field + ": must be one of " + Arrays.toString(target.getEnumConstants());
            }
            if (target != null && target.isPrimitive() && mismatch.getOriginalMessage().startsWith("Cannot map `null`")) {
                return "missing field " + field;
            }
            return "wrong type for field " + field + ": expected " + typeName(target);
        }
        return "invalid message: " + e.getOriginalMessage();
    }

    private static String path(JsonMappingException e) {
        String joined = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining());
        return joined.startsWith(".") ? joined.substring(1) : joined.isEmpty() ? "(message)" : joined;
    }

    private static String typeName(Class<?> target) {
        if (target == null) {
            return "another type";
        }
        if (target == int.class || target == Integer.class || target == long.class || target == Long.class) {
            return "integer";
        }
        if (target == double.class || target == Double.class) {
            return "number";
        }
        if (target == String.class || target == MintId.class || target == StopCommand.JobSelector.class) {
            return "string";
        }
        if (target == byte[].class) {
            return "base64 string";
        }
        if (Collection.class.isAssignableFrom(target)) {
            return "array";
        }
        return "object";
    }

    private static String numberText(InputCoercionException coercion) {
        if (!(coercion.getProcessor() instanceof JsonParser parser)) {
            return "number";
        }
        try {
            String text = parser.getText();
            return text.length() > 40 ? text.substring(0, 40) + "…" : text;
        } catch (IOException e) {
            return "number";
        }
    }

    /** A short excerpt of the sender's text, escaped: at most 40 characters of it, then an ellipsis. */
    private static String quote(String s) {
        String cut = s.length() > 40 ? s.substring(0, Character.isHighSurrogate(s.charAt(39)) ? 39 : 40) + "…" : s;
        return '"' + Validation.safeText(cut).replace("\"", "\\\"") + '"';
    }
}
