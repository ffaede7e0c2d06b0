package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each malformed START job the worker may meet, with the exact reason it is rejected for. */
class MalformedJobTest {
    private static final String MINT = Samples.MINT.value();
    private static final String JOB = Samples.JOB.toString();

    /** A valid job with {@code extra} spliced in after the required fields (later duplicates are rejected). */
    private static String job(String extra) {
        return "{\"schema\":1,\"job_id\":\"" + JOB + "\",\"requested_at\":\"2026-11-24T23:00:00Z\"" + extra + "}";
    }

    private static String withMint(String extra) {
        return job(",\"mint_id\":\"" + MINT + "\"" + extra);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // framing
                Arguments.of("", "empty message"),
                Arguments.of(" ".repeat(Validation.MAX_MESSAGE_BYTES + 1), "message too large: 65537 bytes exceeds 65536"),
                Arguments.of("{\"schema\":1,", "malformed JSON at line 1 column 13"),
                Arguments.of("not json", "malformed JSON at line 1 column 1"),
                Arguments.of(withMint("") + "{}", "malformed JSON at line 1 column 156"),
                Arguments.of(withMint(",\"mint_id\":\"" + MINT + "\""),
                        "malformed JSON at line 1 column 165: Duplicate field \"mint_id\""),
                // a duplicate field's name is the sender's text: escaped and cut, never echoed whole
                Arguments.of(withMint(",\"a\\nb\":1,\"a\\nb\":2"),
                        "malformed JSON at line 1 column 171: Duplicate field \"a\\nb\""),
                Arguments.of(withMint(",\"" + "k".repeat(600) + "\":1,\"" + "k".repeat(600) + "\":2"),
                        "malformed JSON at line 1 column 1363: Duplicate field \"" + "k".repeat(40) + "…\""),
                Arguments.of("[1,2]", "message must be a JSON object"),
                Arguments.of("\"job\"", "message must be a JSON object"),
                Arguments.of("null", "message must be a JSON object"),
                // schema version
                Arguments.of("{\"mint_id\":\"" + MINT + "\"}", "missing field schema"),
                Arguments.of("{\"schema\":\"1\"}", "wrong type for field schema: expected integer"),
                Arguments.of("{\"schema\":1.5}", "wrong type for field schema: expected integer"),
                Arguments.of("{\"schema\":0}", "invalid schema: 0 is below 1"),
                Arguments.of("{\"schema\":2,\"future\":true}", "unsupported schema version 2: this reader understands up to 1"),
                // missing fields
                Arguments.of(job(""), "missing field mint_id"),
                Arguments.of("{\"schema\":1,\"mint_id\":\"" + MINT + "\",\"requested_at\":\"2026-11-24T23:00:00Z\"}",
                        "missing field job_id"),
                Arguments.of("{\"schema\":1,\"mint_id\":\"" + MINT + "\",\"job_id\":\"" + JOB + "\"}",
                        "missing field requested_at"),
                Arguments.of(job(",\"mint_id\":null"), "missing field mint_id"),
                // mint_id
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 31) + "\""),
                        "invalid mint_id: length 31, must be 32-44 base58 characters"),
                Arguments.of(job(",\"mint_id\":\"" + MINT + "x\""),
                        "invalid mint_id: length 45, must be 32-44 base58 characters"),
                Arguments.of(job(",\"mint_id\":\"0" + MINT.substring(1) + "\""),
                        "invalid mint_id: character '0' at index 0 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 5) + "O" + MINT.substring(6) + "\""),
                        "invalid mint_id: character 'O' at index 5 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 9) + "I" + MINT.substring(10) + "\""),
                        "invalid mint_id: character 'I' at index 9 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 40) + "l" + MINT.substring(41) + "\""),
                        "invalid mint_id: character 'l' at index 40 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 20) + "/../" + MINT.substring(24) + "\""),
                        "invalid mint_id: character '/' at index 20 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":\"" + MINT.substring(0, 43) + "\\n\""),
                        "invalid mint_id: character U+000A at index 43 is not base58 (no 0, O, I, l)"),
                Arguments.of(job(",\"mint_id\":123456789012345678901234567890123"),
                        "wrong type for field mint_id: expected string"),
                // job_id
                Arguments.of("{\"schema\":1,\"job_id\":\"job-1\"}", "invalid job_id: not a UUID"),
                Arguments.of("{\"schema\":1,\"job_id\":42}", "invalid job_id: not a UUID"),
                // ranges
                Arguments.of(withMint(",\"max_duration_s\":9"), "invalid max_duration_s: 9 is outside 10-86400"),
                Arguments.of(withMint(",\"max_duration_s\":86401"), "invalid max_duration_s: 86401 is outside 10-86400"),
                Arguments.of(withMint(",\"segment_s\":1"), "invalid segment_s: 1 is outside 2-60"),
                Arguments.of(withMint(",\"segment_s\":61"), "invalid segment_s: 61 is outside 2-60"),
                Arguments.of(withMint(",\"segment_s\":30,\"max_duration_s\":20"),
                        "invalid segment_s: 30 exceeds max_duration_s 20"),
                Arguments.of(withMint(",\"video\":{\"max_height\":100}"), "invalid video.max_height: 100 is outside 144-2160"),
                Arguments.of(withMint(",\"video\":{\"fps\":120}"), "invalid video.fps: 120 is outside 1-60"),
                Arguments.of(withMint(",\"attempt\":0"), "invalid attempt: 0 is outside 1-100"),
                // wrong types
                Arguments.of(withMint(",\"segment_s\":\"6\""), "wrong type for field segment_s: expected integer"),
                Arguments.of(withMint(",\"segment_s\":6.5"), "wrong type for field segment_s: expected integer"),
                Arguments.of(withMint(",\"max_duration_s\":true"), "wrong type for field max_duration_s: expected integer"),
                Arguments.of(withMint(",\"max_duration_s\":99999999999"), "invalid max_duration_s: 99999999999 is out of integer range"),
                Arguments.of(withMint(",\"video\":720"), "wrong type for field video: expected object"),
                Arguments.of(withMint(",\"video\":{\"fps\":[30]}"), "wrong type for field video.fps: expected integer"),
                Arguments.of(withMint(",\"room\":{}"), "wrong type for field room: expected string"),
                // no coercion between strings, numbers and booleans, as the schema says
                Arguments.of(withMint(",\"room\":12345"), "wrong type for field room: expected string"),
                Arguments.of(withMint(",\"room\":1.5"), "wrong type for field room: expected string"),
                Arguments.of(withMint(",\"target_identity\":true"), "wrong type for field target_identity: expected string"),
                Arguments.of("{\"schema\":1,\"job_id\":\"" + JOB + "\",\"mint_id\":\"" + MINT + "\",\"requested_at\":-1}",
                        "invalid requested_at: not an ISO-8601 timestamp"),
                Arguments.of("{\"schema\":1,\"job_id\":\"" + JOB + "\",\"mint_id\":\"" + MINT + "\",\"requested_at\":1764000000}",
                        "invalid requested_at: not an ISO-8601 timestamp"),
                Arguments.of("{\"schema\":1,\"job_id\":\"" + JOB + "\",\"mint_id\":\"" + MINT + "\",\"requested_at\":1.5}",
                        "invalid requested_at: not an ISO-8601 timestamp"),
                Arguments.of(withMint(",\"segment_s\":false"), "wrong type for field segment_s: expected integer"),
                Arguments.of("{\"schema\":1,\"job_id\":\"" + JOB + "\",\"mint_id\":\"" + MINT + "\",\"requested_at\":\"yesterday\"}",
                        "invalid requested_at: not an ISO-8601 timestamp"),
                // room and target
                Arguments.of(withMint(",\"room\":\"\""), "invalid room: empty"),
                Arguments.of(withMint(",\"room\":\"" + "r".repeat(129) + "\""), "invalid room: length 129 exceeds 128"),
                Arguments.of(withMint(",\"room\":\"../etc\""),
                        "invalid room: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'"),
                Arguments.of(withMint(",\"room\":\"a b\""),
                        "invalid room: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'"),
                Arguments.of(withMint(",\"target_identity\":\"x?y=1\""),
                        "invalid target_identity: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'"),
                Arguments.of(withMint(",\"target_identity\":\"\""), "invalid target_identity: empty"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("cases")
    void rejectedWithExactReason(String json, String expected) {
        var e = assertThrows(InvalidMessageException.class,
                () -> Messages.decodeJob(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, e.reason());
    }

    @org.junit.jupiter.api.Test
    void invalidUtf8IsMalformed() {
        var e = assertThrows(InvalidMessageException.class,
                () -> Messages.decodeJob(new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'}));
        assertEquals("malformed JSON at line 1 column 6", e.reason());
    }

    @org.junit.jupiter.api.Test
    void stopFieldsAreNotCoercedEither() {
        String stop = "{\"schema\":1,\"mint_id\":\"" + MINT + "\",\"job_id\":\"any\"";
        var reason = assertThrows(InvalidMessageException.class, () -> Messages.decodeStop(
                (stop + ",\"requested_at\":\"2026-11-24T23:00:00Z\",\"reason\":42}").getBytes(StandardCharsets.UTF_8)));
        assertEquals("wrong type for field reason: expected string", reason.reason());
        var at = assertThrows(InvalidMessageException.class, () -> Messages.decodeStop(
                (stop + ",\"requested_at\":12345,\"reason\":\"done\"}").getBytes(StandardCharsets.UTF_8)));
        assertEquals("invalid requested_at: not an ISO-8601 timestamp", at.reason());
    }

    @org.junit.jupiter.api.Test
    void everyCaseIsDistinct() {
        assertEquals(cases().count(), cases().map(a -> a.get()[0]).distinct().count());
    }
}
