package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Exact reasons for malformed STOP commands, status events, alarms and DLQ records. */
class MalformedEventTest {
    private static final String HEAD = "{\"schema\":1,\"job_id\":\"" + Samples.JOB + "\",\"mint_id\":\"" + Samples.MINT
            + "\",\"worker_id\":\"w1\",\"at\":\"2026-11-24T23:00:00Z\",\"attempt\":1";
    private static final String STOP = "{\"schema\":1,\"mint_id\":\"" + Samples.MINT
            + "\",\"requested_at\":\"2026-11-24T23:00:00Z\"";

    private static Arguments status(String json, String expected) {
        return Arguments.of((Function<byte[], ?>) Messages::decodeStatus, json, expected);
    }

    private static Arguments stop(String json, String expected) {
        return Arguments.of((Function<byte[], ?>) Messages::decodeStop, json, expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                status(HEAD + "}", "missing field type"),
                status(HEAD + ",\"type\":\"EXPLODED\"}", "unknown type \"EXPLODED\""),
                status(HEAD + ",\"type\":\"FAILED\",\"error\":\"x\",\"scope\":\"GLOBAL\"}",
                        "invalid scope: must be one of [SESSION, SYSTEM]"),
                status(HEAD + ",\"type\":\"FAILED\",\"error\":\"x\"}", "missing field scope"),
                status(HEAD + ",\"type\":\"SEGMENT\",\"seq\":-1,\"key\":\"k\",\"bytes\":1,\"duration_s\":6,\"dropped_frames\":0}",
                        "invalid seq: -1 is negative"),
                status(HEAD + ",\"type\":\"SEGMENT\",\"key\":\"k\",\"bytes\":1,\"duration_s\":6,\"dropped_frames\":0}",
                        "missing field seq"),
                status(HEAD.replace("\"attempt\":1", "\"attempt\":\"1\"") + ",\"type\":\"JOINED\"}",
                        "wrong type for field attempt: expected integer"),
                status(HEAD.replace("w1", "w/1") + ",\"type\":\"JOINED\"}",
                        "invalid worker_id: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'"),
                stop(STOP + ",\"job_id\":\"all\",\"reason\":\"x\"}", "invalid job_id: must be a UUID or \"any\""),
                stop(STOP + ",\"job_id\":\"any\"}", "missing field reason"),
                stop(STOP + ",\"job_id\":\"any\",\"reason\":\"" + "r".repeat(513) + "\"}",
                        "invalid reason: length 513 exceeds 512"),
                Arguments.of((Function<byte[], ?>) Messages::decodeDlq,
                        "{\"schema\":1,\"raw\":\"%%\",\"reason\":\"x\",\"source\":{\"topic\":\"t\",\"partition\":0,"
                                + "\"offset\":0},\"at\":\"2026-11-24T23:00:00Z\"}",
                        "wrong type for field raw: expected base64 string"));
    }

    @ParameterizedTest(name = "[{index}] {2}")
    @MethodSource("cases")
    void rejectedWithExactReason(Function<byte[], ?> decoder, String json, String expected) {
        var e = assertThrows(InvalidMessageException.class,
                () -> decoder.apply(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, e.reason());
    }
}
