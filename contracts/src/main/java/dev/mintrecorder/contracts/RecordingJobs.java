package dev.mintrecorder.contracts;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The client other services use to start and stop recordings. Thread-safe; one per process is enough.
 *
 * <pre>{@code
 * try (var jobs = RecordingJobs.connect("localhost:9092")) {
 *     UUID job = jobs.start("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", StartOptions.DEFAULTS.withSegmentS(4));
 *     jobs.stop("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr", job, "stream ended");
 * }
 * }</pre>
 *
 * Every call validates first (an {@link InvalidMessageException} sends nothing), keys the record by mint_id so a
 * mint's commands stay ordered on one partition, and returns only once the broker has acknowledged it on all in-sync
 * replicas. The producer is idempotent, so its own retries never duplicate a job.
 */
public final class RecordingJobs implements AutoCloseable {
    /** How long a call waits for the broker's acknowledgement; also the producer's delivery timeout. */
    public static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<String, byte[]> producer;
    private final Clock clock;

    RecordingJobs(Producer<String, byte[]> producer, Clock clock) {
        this.producer = producer;
        this.clock = clock;
    }

    /** Connects to {@code bootstrapServers}; {@code overrides} adds or replaces producer settings (e.g. security). */
    public static RecordingJobs connect(String bootstrapServers, Map<String, Object> overrides) {
        var config = new HashMap<>(producerConfig(bootstrapServers));
        config.putAll(overrides);
        return new RecordingJobs(new KafkaProducer<>(config), Clock.systemUTC());
    }

    public static RecordingJobs connect(String bootstrapServers) {
        return connect(bootstrapServers, Map.of());
    }

    static Map<String, Object> producerConfig(String bootstrapServers) {
        int timeoutMs = (int) SEND_TIMEOUT.toMillis();
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 15_000),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Validation.MAX_MESSAGE_BYTES + 1024,
                ProducerConfig.CLIENT_ID_CONFIG, "mint-recorder-jobs",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    /** Asks for a recording of {@code mintId}; returns the new job's id once the job is on the topic. */
    public UUID start(String mintId, StartOptions options) {
        RecordingJob job = newJob(MintId.of(mintId), options, UUID.randomUUID());
        send(record(Topics.JOBS, job.mintId(), job));
        return job.jobId();
    }

    /** Stops whatever recording of {@code mintId} is running (or starts later from an older request). */
    public void stop(String mintId, String reason) {
        sendStop(MintId.of(mintId), StopCommand.JobSelector.ANY, reason);
    }

    /** Stops one job of {@code mintId}; a newer job of the same mint is left alone. */
    public void stop(String mintId, UUID jobId, String reason) {
        sendStop(MintId.of(mintId), StopCommand.JobSelector.of(jobId), reason);
    }

    private void sendStop(MintId mint, StopCommand.JobSelector selector, String reason) {
        send(record(Topics.CONTROL, mint, new StopCommand(mint, selector, clock.instant(), reason)));
    }

    RecordingJob newJob(MintId mint, StartOptions options, UUID jobId) {
        StartOptions o = Objects.requireNonNullElse(options, StartOptions.DEFAULTS);
        return new RecordingJob(jobId, mint, o.room(), o.targetIdentity(),
                Objects.requireNonNullElse(o.maxDurationS(), Validation.MAX_DURATION_S_DEFAULT),
                Objects.requireNonNullElse(o.segmentS(), Validation.SEGMENT_S_DEFAULT),
                o.video(), clock.instant(), Validation.ATTEMPT_MIN);
    }

    static ProducerRecord<String, byte[]> record(String topic, MintId key, Message value) {
        byte[] bytes = Messages.encode(value);
        if (bytes.length > Validation.MAX_MESSAGE_BYTES) {
            throw new InvalidMessageException("message too large: " + bytes.length + " bytes exceeds "
                    + Validation.MAX_MESSAGE_BYTES);
        }
        return new ProducerRecord<>(topic, key.value(), bytes);
    }

    private void send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while sending to " + record.topic(), e);
        } catch (ExecutionException e) {
            throw new KafkaException("send to " + record.topic() + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("send to " + record.topic() + " not acknowledged within " + SEND_TIMEOUT, e);
        }
    }

    @Override
    public void close() {
        producer.close(SEND_TIMEOUT);
    }
}
