package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.TopicFollower;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The compacted {@link Topics#CONTROL} topic as a table: the latest STOP per mint. Every worker reads all of it from the
 * beginning (no consumer group) and is told of each STOP as it arrives, so it can stop a recording it holds.
 */
final class ControlView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlView.class);

    private final Map<MintId, StopCommand> latest = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final Consumer<StopCommand> onStop;

    ControlView(KafkaClientConfig kafka, String workerId, Clock clock, Consumer<StopCommand> onStop) {
        this.onStop = onStop;
        this.follower = new TopicFollower(kafka.clientProperties(), workerId + "-control", Topics.CONTROL, null, clock,
                this::apply);
    }

    void start() {
        follower.start();
    }

    /** Completes once every STOP written before the call is in the table. */
    CompletableFuture<Void> sync() {
        return follower.sync();
    }

    Optional<StopCommand> stopFor(MintId mint) {
        return Optional.ofNullable(latest.get(mint));
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone: compaction housekeeping, nothing to stop
        }
        StopCommand stop;
        try {
            stop = Messages.decodeStop(r.value());
        } catch (InvalidMessageException e) {
            log.warn("ignoring invalid STOP at {}-{}: {}", r.partition(), r.offset(), e.reason());
            return;
        }
        latest.merge(stop.mintId(), stop, (old, now) -> now.requestedAt().isBefore(old.requestedAt()) ? old : now);
        onStop.accept(stop);
    }

    @Override
    public void close() {
        follower.close();
    }
}
