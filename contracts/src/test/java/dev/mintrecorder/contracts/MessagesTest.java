package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessagesTest {

    static java.util.List<Message> samples() {
        return Samples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everyMessageRoundTrips(Message message) {
        byte[] wire = Messages.encode(message);
        Function<byte[], ? extends Message> decoder = switch (message) {
            case RecordingJob j -> Messages::decodeJob;
            case StopCommand s -> Messages::decodeStop;
            case StatusEvent s -> Messages::decodeStatus;
            case MemoryAlarm a -> Messages::decodeAlarm;
            case DlqRecord d -> Messages::decodeDlq;
        };
        assertEquals(message, decoder.apply(wire));
    }

    @Test
    void wireFormIsSnakeCaseWithSchemaAndType() {
        String json = new String(Messages.encode(Samples.all().get(7)), StandardCharsets.UTF_8);
        assertEquals("{\"type\":\"SEGMENT\",\"job_id\":\"3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\","
                + "\"mint_id\":\"7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr\",\"worker_id\":\"worker-7f9c\","
                + "\"at\":\"2026-11-24T23:00:00Z\",\"attempt\":1,\"seq\":12,"
                + "\"key\":\"recordings/7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/seg_000012.ts\","
                + "\"bytes\":1500000,\"duration_s\":6.006,\"dropped_frames\":3,\"schema\":1}", json);
    }

    @Test
    void minimalJobTakesDefaults() {
        RecordingJob job = Messages.decodeJob(("{\"schema\":1,\"job_id\":\"" + Samples.JOB + "\",\"mint_id\":\""
                + Samples.MINT + "\",\"requested_at\":\"2026-11-24T23:00:00Z\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(Samples.MINT.value(), job.room());
        assertEquals(Validation.MAX_DURATION_S_DEFAULT, job.maxDurationS());
        assertEquals(Validation.SEGMENT_S_DEFAULT, job.segmentS());
        assertEquals(VideoCap.DEFAULT, job.video());
        assertEquals(1, job.attempt());
        assertEquals(java.util.Optional.empty(), job.target());
    }

    @Test
    void unknownFieldsWithinTheSameSchemaAreIgnored() {
        RecordingJob job = Messages.decodeJob(("{\"schema\":1,\"job_id\":\"" + Samples.JOB + "\",\"mint_id\":\""
                + Samples.MINT + "\",\"requested_at\":\"2026-11-24T23:00:00Z\",\"priority\":\"high\","
                + "\"video\":{\"fps\":15,\"codec\":\"av1\"}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(new VideoCap(720, 15), job.video());
    }

    @Test
    void handoverMarksTheSameJobAsAResume() {
        RecordingJob resumed = Samples.job().nextAttempt();
        assertEquals(Samples.JOB, resumed.jobId());
        assertEquals(2, resumed.attempt());
        assertEquals(true, resumed.isResume());
    }

    @Test
    void javaCallersGetTheSameValidation() {
        var e = assertThrows(InvalidMessageException.class,
                () -> new RecordingJob(Samples.JOB, Samples.MINT, "a/b", null, 60, 6, null, Samples.AT, 1));
        assertEquals("invalid room: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'",
                e.reason());
    }
}
