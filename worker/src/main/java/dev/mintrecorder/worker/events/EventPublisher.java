package dev.mintrecorder.worker.events;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The worker's one Kafka producer: status events, dead letters and handed-over jobs.
 *
 * <p>Idempotent with {@code acks=all}, so retries neither duplicate nor reorder records of one key: each job's events
 * (keyed by mint_id) arrive in the order they were published. A broker outage is ridden out: sends wait in the
 * producer's buffer and are retried until {@code deliveryTimeout}, so events resume when the broker is back.
 * Thread-safe.
 */
public final class EventPublisher implements StatusSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

    private final KafkaProducer<byte[], byte[]> producer;

    /** A producer on plain connections to {@code bootstrapServers} (the devstack, tests). */
    public EventPublisher(String bootstrapServers, String clientId, Duration deliveryTimeout) {
        this(KafkaClientConfig.plaintext(bootstrapServers), clientId, deliveryTimeout);
    }

    public EventPublisher(KafkaClientConfig kafka, String clientId, Duration deliveryTimeout) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms: keep a request to half the budget.
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(30_000, deliveryTimeout.toMillis() / 2));
        // send() blocks only while it has no metadata for the topic; during an outage it must not stall the caller long.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Publishes a status event keyed by its mint_id. Failures are logged: events are best effort past the timeout. */
    @Override
    public CompletableFuture<RecordMetadata> status(StatusEvent event) {
        return send(Topics.STATUS, key(event.mintId().value()), Messages.encode(event),
                event.getClass().getSimpleName() + " " + event.jobId());
    }

    /** Sends an unusable job to the DLQ under its original key. */
    public CompletableFuture<RecordMetadata> deadLetter(byte[] originalKey, DlqRecord record) {
        return send(Topics.JOBS_DLQ, originalKey, Messages.encode(record), "dead letter " + record.source());
    }

    /** Puts a job (a handed-over one, marked as the next attempt) back on the jobs topic, same key. */
    public CompletableFuture<RecordMetadata> requeue(RecordingJob job) {
        return send(Topics.JOBS, key(job.mintId().value()), Messages.encode(job), "requeue " + job.jobId());
    }

    /** Publishes the memory governor's alarm to recording.alarms, keyed by worker_id. */
    public CompletableFuture<RecordMetadata> alarm(MemoryAlarm alarm) {
        return send(Topics.ALARMS, key(alarm.workerId()), Messages.encode(alarm), "memory alarm " + alarm.level());
    }

    /**
     * Writes a job's lease row ({@code value} null: a tombstone) keyed by job_id, in the partition its mint's key
     * would go to: the rows of one mint stay in one order (jobs.LeaseTable relies on it).
     */
    public CompletableFuture<RecordMetadata> lease(String mintId, java.util.UUID jobId, byte[] value) {
        int partitions;
        try {
            partitions = producer.partitionsFor(Topics.LEASES).size();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        int partition = org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(key(mintId))) % partitions;
        return send(Topics.LEASES, partition, key(jobId.toString()), value, "lease of " + jobId);
    }

    private CompletableFuture<RecordMetadata> send(String topic, byte[] key, byte[] value, String what) {
        return send(topic, null, key, value, what);
    }

    private CompletableFuture<RecordMetadata> send(String topic, Integer partition, byte[] key, byte[] value,
                                                   String what) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value), (metadata, error) -> {
                if (error == null) {
                    result.complete(metadata);
                } else {
                    log.warn("{} to {} not delivered: {}", what, topic, error.toString());
                    result.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            log.warn("{} to {} not sent: {}", what, topic, e.toString());
            result.completeExceptionally(e);
        }
        return result;
    }

    private static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** Flushes what is buffered, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
