package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.events.StatusSink;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/**
 * Settles one acquired job record: {@link Intake} decides, this acts, and the record is acknowledged <b>exactly once,
 * whatever its bytes and whatever throws</b> on the way. Only a {@link Intake.Record} decision leaves the record
 * unacknowledged, for the dispatcher to claim the job and then acknowledge it.
 *
 * <p>The invariant matters because a share consumer in explicit mode refuses to poll again while a record of its
 * batch is unacknowledged: one record left behind jams the worker's dispatcher for good. So:
 * <ul>
 * <li>an exception while deciding or acting dead-letters the record with the exception as the (bounded, escaped)
 * reason, and REJECTs it;</li>
 * <li>a dead letter that cannot be written (Kafka itself is away) RELEASEs the record instead, so it comes back;</li>
 * <li>anything that fails after the acknowledgement (a status event) is logged and counted, never retried.</li>
 * </ul>
 * Only an acknowledgement the consumer itself refuses can escape, as {@link AcknowledgeFailed}: the dispatcher's consumer
 * is then broken, which the dispatcher reports.
 */
final class RecordIntake {
    private static final Logger log = LoggerFactory.getLogger(RecordIntake.class);

    /** What settling a record touches: the dispatcher backs it with its consumer, the engine's views and its publisher. */
    interface Port {
        /** The views, synced as far as a bounded wait allows. */
        Intake.Views views();

        void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type);

        /** Writes the dead letter and waits for the broker; throws if it was not written. */
        void deadLetter(byte[] key, DlqRecord record) throws Exception;

        /** Marks the job ENDED in the lease table (before its terminal event), so no guardian revives it. */
        void endLease(RecordingJob job, int attempt);
    }

    /** What became of the record. */
    sealed interface Outcome {
        /** Acknowledged with {@code type}; nothing more to do. */
        record Settled(AcknowledgeType type) implements Outcome {}

        /** Not acknowledged: the dispatcher claims the job, then acknowledges the record. */
        record Take(Intake.Record decision) implements Outcome {}
    }

    /** The consumer refused an acknowledgement: the record stays unsettled and the dispatcher's consumer is suspect. */
    static final class AcknowledgeFailed extends RuntimeException {
        AcknowledgeFailed(String message, RuntimeException cause) {
            super(message, cause);
        }
    }

    private final Port port;
    private final StatusSink statuses;
    private final Clock clock;
    private final String workerId;
    private final JobMetrics metrics;

    RecordIntake(Port port, StatusSink statuses, Clock clock, String workerId, JobMetrics metrics) {
        this.port = port;
        this.statuses = statuses;
        this.clock = clock;
        this.workerId = workerId;
        this.metrics = metrics;
    }

    /** Decides and acts on one acquired record. Throws only {@link AcknowledgeFailed}. */
    Outcome handle(ConsumerRecord<byte[], byte[]> r) {
        int deliveryCount = deliveryCount(r);
        Settlement settlement = new Settlement(r);
        try {
            Intake.Action action = Intake.classify(r.value(), deliveryCount, port.views());
            return switch (action) {
                case Intake.Reject reject -> reject(settlement, reject.reason(), deliveryCount);
                case Intake.AlreadyEnded ended -> {
                    log.info("job {} already ended; acknowledging its redelivered record", ended.job().jobId());
                    yield settlement.settle(AcknowledgeType.ACCEPT);
                }
                case Intake.AlreadyClaimed claimed -> {
                    log.info("job {} is claimed by {} (attempt {}); acknowledging its stale record",
                            claimed.job().jobId(), claimed.lease().workerId(), claimed.lease().attempt());
                    yield settlement.settle(AcknowledgeType.ACCEPT);
                }
                case Intake.AlreadyStopped stopped -> {
                    port.endLease(stopped.job(), stopped.attempt());
                    events(stopped.job(), stopped.attempt()).stopped(StatusEvent.EndCode.STOP_REQUESTED,
                            "stop requested before start: " + stopped.reason(), null);
                    metrics.stoppedBeforeStart.increment();
                    yield settlement.settle(AcknowledgeType.ACCEPT);
                }
                case Intake.Duplicate duplicate -> {
                    log.info("job {}: mint {} already recording as job {} on {}", duplicate.job().jobId(),
                            duplicate.job().mintId(), duplicate.holder().jobId(), duplicate.holder().workerId());
                    events(duplicate.job(), duplicate.attempt()).duplicate();
                    metrics.duplicate.increment();
                    yield settlement.settle(AcknowledgeType.ACCEPT);
                }
                case Intake.Record record -> new Outcome.Take(record);
            };
        } catch (AcknowledgeFailed e) {
            throw e;
        } catch (RuntimeException e) {
            if (settlement.type != null) {
                // Settled already; only an event after it failed. The record is done with either way.
                log.warn("{}: settled as {}, but a status event failed: {}", settlement.where(), settlement.type,
                        Validation.safeText(e.toString()));
                metrics.intakeErrors.increment();
                return new Outcome.Settled(settlement.type);
            }
            log.error("{}: handling failed ({}); dead-lettering it", settlement.where(), Validation.safeText(e.toString()));
            log.debug("{}: handling failed", settlement.where(), e);
            metrics.intakeErrors.increment();
            return reject(settlement, "internal error handling the job: " + e, deliveryCount);
        }
    }

    /**
     * Dead-letters the record with {@code reason} (bounded and escaped here), REJECTs it and publishes REJECTED with the
     * job's ids where they can be read. Without its dead letter the record is RELEASEd: it must not vanish.
     */
    private Outcome reject(Settlement settlement, String reason, int deliveryCount) {
        ConsumerRecord<byte[], byte[]> r = settlement.record;
        byte[] raw = r.value() == null ? new byte[0] : r.value();
        if (raw.length > Validation.MAX_MESSAGE_BYTES) {
            // Keeps the dead letter within what its readers accept; the broker's DLQ copy keeps the whole record.
            reason = reason + " (raw cut to its first " + Validation.MAX_MESSAGE_BYTES + " of " + raw.length + " bytes)";
            raw = java.util.Arrays.copyOf(raw, Validation.MAX_MESSAGE_BYTES);
        }
        String safeReason = Validation.safeText(reason);
        DlqRecord.Source source = new DlqRecord.Source(r.topic(), r.partition(), r.offset());
        try {
            port.deadLetter(r.key(), new DlqRecord(raw, safeReason, source, clock.instant()));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("{}: dead letter not written ({}); releasing it", settlement.where(),
                    Validation.safeText(e.toString()));
            metrics.deadLetterFailures.increment();
            return settlement.settle(AcknowledgeType.RELEASE);
        }
        Outcome settled = settlement.settle(AcknowledgeType.REJECT);
        metrics.rejected.increment();
        log.info("{}: rejected and dead-lettered: {}", settlement.where(), safeReason);
        try {
            Messages.Identity id = Messages.identify(r.value());
            statuses.status(new StatusEvent.Rejected(id.jobId().orElse(StatusEvent.Rejected.UNKNOWN_JOB),
                    id.mintId().orElse(StatusEvent.Rejected.UNKNOWN_MINT), workerId, clock.instant(),
                    Math.clamp(deliveryCount, Validation.ATTEMPT_MIN, Validation.ATTEMPT_MAX), safeReason, source));
        } catch (RuntimeException e) {
            log.warn("{}: REJECTED event not published: {}", settlement.where(), Validation.safeText(e.toString()));
            metrics.intakeErrors.increment();
        }
        return settled;
    }

    private JobEvents events(RecordingJob job, int attempt) {
        return new JobEvents(statuses, clock, job.jobId(), job.mintId(), workerId, attempt);
    }

    static int deliveryCount(ConsumerRecord<?, ?> r) {
        return r.deliveryCount().map(Short::intValue).orElse(1);
    }

    /** The one acknowledgement of one record. */
    private final class Settlement {
        final ConsumerRecord<byte[], byte[]> record;
        AcknowledgeType type;

        Settlement(ConsumerRecord<byte[], byte[]> record) {
            this.record = record;
        }

        Outcome settle(AcknowledgeType t) {
            if (type != null) {
                throw new IllegalStateException(where() + " already settled as " + type);
            }
            try {
                port.acknowledge(record, t);
            } catch (RuntimeException e) {
                throw new AcknowledgeFailed(where() + ": " + t + " refused by the consumer", e);
            }
            type = t;
            return new Outcome.Settled(t);
        }

        String where() {
            return "job record " + record.topic() + "-" + record.partition() + "@" + record.offset();
        }
    }
}
