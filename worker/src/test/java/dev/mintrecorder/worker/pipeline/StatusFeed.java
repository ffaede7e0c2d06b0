package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** TEST ONLY: every status event, read from the beginning of {@code recording.status} on a virtual thread. */
final class StatusFeed implements AutoCloseable {
    private final List<StatusEvent> events = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean closed;

    StatusFeed(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATUS).stream()
                .map(p -> new TopicPartition(Topics.STATUS, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = Thread.ofVirtual().name("status-feed").start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        events.add(Messages.decodeStatus(r.value()));
                    }
                } catch (WakeupException e) {
                    return;
                } catch (KafkaException e) {
                    // broker restarting: keep reading
                }
            }
        } finally {
            consumer.close();
        }
    }

    <T extends StatusEvent> List<T> of(UUID jobId, Class<T> type) {
        return events.stream().filter(e -> e.jobId().equals(jobId)).filter(type::isInstance).map(type::cast).toList();
    }

    /** The job's STOPPED or FAILED event, or null while it runs. */
    StatusEvent terminal(UUID jobId) {
        return events.stream().filter(e -> e.jobId().equals(jobId))
                .filter(e -> e instanceof StatusEvent.Stopped || e instanceof StatusEvent.Failed)
                .findFirst().orElse(null);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join();
    }
}
