package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.worker.events.EventPublisher;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Writes this worker's rows of the lease table, waiting for the broker (acks=all) so a row is durable once written. */
final class LeaseWriter {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);

    private final EventPublisher publisher;
    private final String workerId;
    private final Clock clock;

    LeaseWriter(EventPublisher publisher, String workerId, Clock clock) {
        this.publisher = publisher;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** Writes {@code state} for the job's {@code attempt}, keeping its claim {@code order}; returns where it landed. */
    RecordMetadata write(Lease.State state, RecordingJob job, int attempt, long order) throws Exception {
        Lease lease = new Lease(state, job, workerId, attempt, order, clock.instant());
        return publisher.lease(job.mintId().value(), job.jobId(), lease.encode())
                .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Removes an ended job's row for good. */
    void forget(RecordingJob job) throws Exception {
        publisher.lease(job.mintId().value(), job.jobId(), null).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The job as the next attempt, for the jobs topic. */
    static RecordingJob asAttempt(RecordingJob j, int attempt) {
        return new RecordingJob(j.jobId(), j.mintId(), j.room(), j.targetIdentity(), j.maxDurationS(), j.segmentS(),
                j.video(), j.requestedAt(), attempt);
    }
}
