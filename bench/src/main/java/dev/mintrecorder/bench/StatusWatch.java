package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every event on {@code recording.status}, with the time this process received it. */
final class StatusWatch implements AutoCloseable {
    /** An event and when it arrived here. */
    record Received(StatusEvent event, Instant receivedAt) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final List<Received> events = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    StatusWatch(String bootstrap) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        consumer.partitionsFor(Topics.STATUS).forEach(p -> partitions.add(new TopicPartition(Topics.STATUS, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = Thread.ofVirtual().name("status-watch").start(this::run);
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    events.add(new Received(Messages.decodeStatus(r.value()), Instant.now()));
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    List<Received> of(UUID job) {
        return events.stream().filter(r -> r.event().jobId().equals(job)).toList();
    }

    <T extends StatusEvent> List<T> of(UUID job, Class<T> type) {
        return of(job).stream().map(Received::event).filter(type::isInstance).map(type::cast).toList();
    }

    <T extends StatusEvent> Optional<T> first(UUID job, Class<T> type) {
        return of(job, type).stream().findFirst();
    }

    /** Waits for the job's first event of {@code type}; fails early on FAILED. */
    <T extends StatusEvent> T await(UUID job, Class<T> type, Duration deadline) {
        Timing.until(deadline, job + " " + type.getSimpleName(), () -> {
            Optional<StatusEvent.Failed> failed = first(job, StatusEvent.Failed.class);
            if (failed.isPresent() && type != StatusEvent.Failed.class) {
                throw new IllegalStateException("job " + job + " FAILED: " + failed.get().error());
            }
            return first(job, type).isPresent();
        });
        return first(job, type).orElseThrow();
    }

    /** The highest dropped-frames count the job's SEGMENT events reported (cumulative in the manifest). */
    long droppedFrames(UUID job) {
        return of(job, StatusEvent.Segment.class).stream().mapToLong(StatusEvent.Segment::droppedFrames).max().orElse(0);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join();
    }
}
