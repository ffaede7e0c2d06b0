package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the client does before it touches a broker. Sending to a real broker is covered by {@code RecordingJobsIT} in
 * the devstack module. The producer here points at a closed port: any call that got past validation would block for
 * {@link RecordingJobs#SEND_TIMEOUT} instead of failing at once.
 */
class RecordingJobsTest {
    private static final String MINT = Samples.MINT.value();
    private final RecordingJobs jobs = new RecordingJobs(
            new KafkaProducer<>(RecordingJobs.producerConfig("127.0.0.1:9")), Clock.fixed(Samples.AT, ZoneOffset.UTC));

    @AfterEach
    void close() {
        jobs.close();
    }

    @Test
    void producerIsIdempotentAndWaitsForAllReplicas() {
        var config = RecordingJobs.producerConfig("broker:9092");
        assertEquals(true, config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("all", config.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("broker:9092", config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Test
    void startRecordIsKeyedByMintAndDecodesBack() {
        RecordingJob job = jobs.newJob(Samples.MINT, StartOptions.DEFAULTS.withSegmentS(4).withTarget("host"), Samples.JOB);
        var record = RecordingJobs.record(Topics.JOBS, job.mintId(), job);
        assertEquals(Topics.JOBS, record.topic());
        assertEquals(MINT, record.key());
        RecordingJob decoded = Messages.decodeJob(record.value());
        assertEquals(job, decoded);
        assertEquals(4, decoded.segmentS());
        assertEquals(MINT, decoded.room());
        assertEquals(Validation.MAX_DURATION_S_DEFAULT, decoded.maxDurationS());
        assertEquals(Samples.AT, decoded.requestedAt());
    }

    @Test
    void invalidStartIsRefusedBeforeSending() {
        var e = assertThrows(InvalidMessageException.class, () -> jobs.start("not-a-mint", StartOptions.DEFAULTS));
        assertEquals("invalid mint_id: length 10, must be 32-44 base58 characters", e.reason());
        e = assertThrows(InvalidMessageException.class,
                () -> jobs.start(MINT, StartOptions.DEFAULTS.withSegmentS(90)));
        assertEquals("invalid segment_s: 90 is outside 2-60", e.reason());
        e = assertThrows(InvalidMessageException.class,
                () -> jobs.start(MINT, StartOptions.DEFAULTS.withRoom("room/../../x")));
        assertEquals("invalid room: only A-Z a-z 0-9 _ - . : @ allowed, starting with a letter or digit, no '..'",
                e.reason());
    }

    @Test
    void invalidStopIsRefusedBeforeSending() {
        var e = assertThrows(InvalidMessageException.class, () -> jobs.stop(MINT, "line\nbreak"));
        assertEquals("invalid reason: control character at index 4", e.reason());
        e = assertThrows(InvalidMessageException.class, () -> jobs.stop(MINT, (UUID) null, "done"));
        assertEquals("missing field job_id", e.reason());
    }
}
