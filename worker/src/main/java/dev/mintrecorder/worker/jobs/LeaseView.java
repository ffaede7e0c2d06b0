package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.TopicFollower;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The {@link Topics#LEASES} table, read whole from the beginning by every worker (no consumer group). It changes only
 * when a recording starts, ends or fails over, so what a worker reads grows with the fleet's churn of recordings, not
 * with heartbeats. Each applied row is also passed to {@code onRow}, so a worker learns when a job it records was
 * taken over elsewhere.
 */
final class LeaseView implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseView.class);

    private final LeaseTable table = new LeaseTable();
    private final TopicFollower follower;
    private final Clock clock;
    private final Consumer<LeaseTable.Row> onRow;

    LeaseView(KafkaClientConfig kafka, String workerId, Clock clock, Consumer<LeaseTable.Row> onRow) {
        this.clock = clock;
        this.onRow = onRow;
        this.follower = new TopicFollower(kafka.clientProperties(), workerId + "-leases", Topics.LEASES, null, clock,
                this::apply);
    }

    void start() {
        follower.start();
    }

    /** Completes once every row written before the call is in the table. */
    CompletableFuture<Void> sync() {
        return follower.sync();
    }

    LeaseTable table() {
        return table;
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        UUID jobId;
        try {
            jobId = UUID.fromString(new String(r.key(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            log.warn("ignoring a lease row without a job_id key at {}-{}", r.partition(), r.offset());
            return;
        }
        Lease lease = null;
        if (r.value() != null) {
            try {
                lease = Lease.decode(r.value());
            } catch (InvalidMessageException e) {
                log.warn("ignoring an invalid lease row at {}-{}: {}", r.partition(), r.offset(), e.reason());
                return;
            }
        }
        // When the row was written (its producer's clock), never later than now.
        table.apply(r.offset(), jobId, lease, Instant.ofEpochMilli(Math.min(r.timestamp(), clock.millis())));
        if (lease != null) {
            table.row(jobId).ifPresent(onRow);
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
