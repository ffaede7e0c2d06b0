package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** TEST ONLY: everything on the status and DLQ topics, read from the beginning, in topic order per partition. */
final class StatusLog implements AutoCloseable {
    private final List<StatusEvent> events = new CopyOnWriteArrayList<>();
    private final List<DlqRecord> deadLetters = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean closed;

    StatusLog(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.STATUS, Topics.JOBS_DLQ)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = Thread.ofVirtual().name("status-log").start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (r.topic().equals(Topics.STATUS)) {
                            events.add(Messages.decodeStatus(r.value()));
                        } else {
                            deadLetters.add(Messages.decodeDlq(r.value()));
                        }
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

    List<StatusEvent> of(UUID jobId) {
        return events.stream().filter(e -> e.jobId().equals(jobId)).toList();
    }

    List<StatusEvent> all() {
        return List.copyOf(events);
    }

    <T extends StatusEvent> List<T> of(UUID jobId, Class<T> type) {
        return of(jobId).stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The terminal events (STOPPED, FAILED, DUPLICATE) of a job. */
    List<StatusEvent> terminal(UUID jobId) {
        return of(jobId).stream().filter(StatusLog::isTerminal).toList();
    }

    static boolean isTerminal(StatusEvent e) {
        return e instanceof StatusEvent.Stopped || e instanceof StatusEvent.Failed
                || e instanceof StatusEvent.Duplicate;
    }

    List<DlqRecord> deadLetters() {
        return List.copyOf(deadLetters);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
