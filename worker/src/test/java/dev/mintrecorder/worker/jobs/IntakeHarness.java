package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * {@link RecordIntake} with everything around it in memory: the acknowledgements, dead letters and status events it
 * produced, and switches that make the views, the dead-letter write or the status sink throw. Pure logic, no Kafka.
 */
final class IntakeHarness implements RecordIntake.Port {
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    final List<AcknowledgeType> acks = new ArrayList<>();
    final List<DlqRecord> deadLetters = new ArrayList<>();
    final List<StatusEvent> events = new ArrayList<>();
    final JobMetrics metrics = new JobMetrics(new SimpleMeterRegistry(), 1, () -> 0, () -> true, () -> true, () -> true, () -> 0);
    final RecordIntake intake = new RecordIntake(this, this::status, Clock.fixed(NOW, ZoneOffset.UTC), "worker-1",
            metrics);

    boolean viewsThrow;
    boolean deadLetterThrows;
    boolean statusThrows;
    boolean acknowledgeThrows;
    /** What the views report for every mint. */
    Optional<StopCommand> stop = Optional.empty();
    Optional<Intake.LiveHolder> holder = Optional.empty();
    boolean ended;
    /** Jobs whose lease the intake ended. */
    final List<UUID> endedLeases = new ArrayList<>();

    static ConsumerRecord<byte[], byte[]> record(long offset, byte[] value, int deliveryCount) {
        return new ConsumerRecord<>(Topics.JOBS, 0, offset, NOW.toEpochMilli(), TimestampType.CREATE_TIME, 0,
                value == null ? 0 : value.length, "key".getBytes(), value, new RecordHeaders(), Optional.empty(),
                Optional.of((short) deliveryCount));
    }

    RecordIntake.Outcome handle(ConsumerRecord<byte[], byte[]> r) {
        return intake.handle(r);
    }

    @Override
    public Intake.Views views() {
        if (viewsThrow) {
            throw new IllegalStateException("views broke:\n" + "x".repeat(600));
        }
        return new Intake.Views() {
            @Override
            public Optional<StopCommand> stopFor(MintId mint) {
                return stop.filter(s -> s.mintId().equals(mint));
            }

            @Override
            public Optional<Intake.LiveHolder> liveHolder(MintId mint) {
                return holder;
            }

            @Override
            public Optional<Intake.JobLease> lease(UUID jobId) {
                return ended ? Optional.of(new Intake.JobLease(Lease.State.ENDED, "worker-2", 1)) : Optional.empty();
            }
        };
    }

    @Override
    public void endLease(RecordingJob job, int attempt) {
        endedLeases.add(job.jobId());
    }

    @Override
    public void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type) {
        if (acknowledgeThrows) {
            throw new IllegalStateException("All records must be acknowledged in explicit acknowledgement mode");
        }
        acks.add(type);
    }

    @Override
    public void deadLetter(byte[] key, DlqRecord record) throws Exception {
        if (deadLetterThrows) {
            throw new java.util.concurrent.TimeoutException("broker away");
        }
        deadLetters.add(record);
    }

    private CompletableFuture<?> status(StatusEvent event) {
        if (statusThrows) {
            throw new IllegalStateException("producer closed");
        }
        events.add(event);
        return CompletableFuture.completedFuture(null);
    }
}
