package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker's owner of multipart uploads that a recording could neither complete nor abort before it ended (S3 was
 * down then): it aborts each one later, retrying with backoff ({@link #delay}: 1 s doubling to 1 min) for as long as
 * the worker runs, so an outage at the moment a job ends leaves no upload open once S3 answers again. A 404 (the
 * upload is gone: completed by salvage, or aborted already) settles it too. Once S3 answers anything ({@link
 * #s3Answered}: an upload, a spooled segment's put, another abort), every abort waiting out its backoff is tried at
 * once: after a long outage that backoff is a minute, which would keep an upload open (or leave it to the lifecycle
 * rule at shutdown) long after S3 is back.
 *
 * <p>One virtual thread works the queue. Pending aborts show in {@code recorder.upload.aborts.pending}; each is logged
 * when handed over (WARN) and when settled (INFO). What is still pending when the worker stops is logged (ERROR) and
 * left to the bucket's lifecycle rule ({@code AbortIncompleteMultipartUpload}, infra/README.md), the backstop for
 * this and for an upload whose creation S3 performed but never confirmed.
 */
public final class UploadJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UploadJanitor.class);
    static final Duration FIRST_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofMinutes(1);

    /** An open multipart upload to abort. */
    public record Orphan(String bucket, String key, String uploadId) {
    }

    private record Due(Orphan orphan, int attempt, long atNanos) {
    }

    private final S3Client s3;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Due> queue = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
    /** Every orphan queued or being aborted, so that one handed over twice is aborted once. */
    private final Set<Orphan> pending = new HashSet<>();
    private final Counter deferred;
    private final Counter failed;
    private final Thread worker;
    private boolean closed;

    public UploadJanitor(S3Client s3, MeterRegistry registry) {
        this.s3 = s3;
        this.deferred = Metric.UPLOAD_ABORTS_DEFERRED.counter(registry);
        this.failed = Metric.UPLOAD_ABORTS_FAILED.counter(registry);
        Metric.UPLOAD_ABORTS_PENDING.gauge(registry, this::pending);
        this.worker = Thread.ofVirtual().name("upload-janitor").start(this::run);
    }

    /** The delay before retry number {@code attempt} (1, 2, ...): 1 s doubling, at most 1 min. */
    static Duration delay(int attempt) {
        int doublings = Math.min(attempt - 1, 16);
        Duration d = FIRST_DELAY.multipliedBy(1L << doublings);
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    /** Aborts {@code orphan} as soon as S3 answers; returns at once. */
    public void abortLater(Orphan orphan) {
        lock.lock();
        try {
            if (closed || !pending.add(orphan)) {
                return;
            }
            queue.add(new Due(orphan, 0, System.nanoTime()));
            deferred.increment();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        log.warn("upload {} of {} could not be settled when its recording ended: aborting it once S3 answers",
                orphan.uploadId(), orphan.key());
    }

    /** S3 answered a request: every abort waiting out its backoff is due now. */
    public void s3Answered() {
        lock.lock();
        try {
            if (queue.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            List<Due> waiting = new ArrayList<>(queue);
            queue.clear();
            for (Due d : waiting) {
                queue.add(new Due(d.orphan(), d.attempt(), Math.min(d.atNanos(), now)));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Uploads still to abort. */
    public int pending() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Due due;
            lock.lock();
            try {
                while (!closed && (queue.isEmpty() || queue.peek().atNanos() > System.nanoTime())) {
                    long wait = queue.isEmpty() ? Long.MAX_VALUE : queue.peek().atNanos() - System.nanoTime();
                    changed.awaitNanos(wait);
                }
                if (closed) {
                    return;
                }
                due = queue.poll();
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            boolean settled = abort(due);
            if (settled) {
                s3Answered();
            }
            lock.lock();
            try {
                if (settled) {
                    pending.remove(due.orphan());
                } else if (!closed) {
                    int next = due.attempt() + 1;
                    queue.add(new Due(due.orphan(), next, System.nanoTime() + delay(next).toNanos()));
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean abort(Due due) {
        Orphan o = due.orphan();
        try {
            s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(o.bucket()).key(o.key())
                    .uploadId(o.uploadId()).build());
            log.info("aborted upload {} of {} after {} retries", o.uploadId(), o.key(), due.attempt());
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                log.info("upload {} of {} is gone already (completed or aborted elsewhere)", o.uploadId(), o.key());
                return true;
            }
            retryLog(due, e);
            return false;
        } catch (SdkException e) {
            retryLog(due, e);
            return false;
        }
    }

    private void retryLog(Due due, Exception e) {
        failed.increment();
        // Every retry at first, then once a minute or so: the pending gauge tells the rest.
        if (due.attempt() < 3 || delay(due.attempt() + 1).equals(MAX_DELAY) && due.attempt() % 5 == 0) {
            log.warn("abort of upload {} of {} failed (retry {}): {}", due.orphan().uploadId(), due.orphan().key(),
                    due.attempt() + 1, e.toString());
        }
    }

    /** Stops retrying; what is still pending is logged and left to the bucket's lifecycle rule. */
    @Override
    public void close() {
        Set<Orphan> left;
        lock.lock();
        try {
            closed = true;
            left = Set.copyOf(pending);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!left.isEmpty()) {
            log.error("{} multipart upload(s) still open at shutdown, left to the bucket's "
                    + "AbortIncompleteMultipartUpload rule: {}", left.size(), left);
        }
    }
}
