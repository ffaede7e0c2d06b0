package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's fallback store (as LiveKit Egress has): a second S3 endpoint and bucket that spooled segments go to
 * once the primary has kept failing for {@code S3_FALLBACK_AFTER} ({@link StoreSelector}), until it answers again. The
 * segments keep their keys; the manifest names the store of each. One per worker; it owns its client.
 */
public final class FallbackStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FallbackStore.class);
    /** While failed over, how often a spooled segment tries the primary first. */
    static final Duration PROBE_EVERY = Duration.ofSeconds(5);

    private final S3Client s3;
    private final String bucket;
    private final StoreSelector selector;
    private final Clock clock;
    private final Counter stored;
    private final Counter copiedBack;
    private final Counter copyBackFailures;
    private final AtomicLong held = new AtomicLong();
    private final Counter indexes;
    private volatile boolean active;

    /** @param s3 the fallback's client, owned (closed) by this store from now on */
    public FallbackStore(S3Client s3, String bucket, Duration after, Clock clock, MeterRegistry registry) {
        this.s3 = s3;
        this.bucket = bucket;
        this.selector = new StoreSelector(after, PROBE_EVERY);
        this.clock = clock;
        this.stored = Metric.FALLBACK_SEGMENTS.counter(registry);
        this.copiedBack = Metric.FALLBACK_COPIED_BACK.counter(registry);
        this.copyBackFailures = Metric.FALLBACK_COPY_BACK_FAILURES.counter(registry);
        Metric.FALLBACK_HELD.gauge(registry, held::get);
        this.indexes = Metric.INDEX_IN_FALLBACK.counter(registry);
        Metric.FALLBACK_ACTIVE.gauge(registry, () -> active ? 1 : 0);
    }

    public S3Client client() {
        return s3;
    }

    public String bucket() {
        return bucket;
    }

    /** Where the next spooled segment goes. */
    StoreSelector.Store target() {
        return selector.target(clock.instant());
    }

    /** A put to the primary failed transiently. */
    void primaryFailed() {
        selector.primaryFailed(clock.instant());
        boolean now = selector.failedOver(clock.instant());
        if (now && !active) {
            active = true;
            log.error("the primary store keeps failing: spooled segments go to the fallback store, bucket {}", bucket);
        }
    }

    /** The primary took a put. */
    void primaryAnswered() {
        selector.primaryAnswered();
        if (active) {
            active = false;
            log.info("the primary store answers again: segments go there again");
        }
    }

    /** A segment is in the fallback store now, waiting to be copied back. */
    void storedOne() {
        stored.increment();
        held.incrementAndGet();
    }

    /** A segment an earlier attempt stored here waits to be copied back too. */
    void adoptedOne() {
        held.incrementAndGet();
    }

    /** A segment was copied back to the primary and deleted here. */
    void copiedBackOne() {
        copiedBack.increment();
        held.decrementAndGet();
    }

    /** A copy-back step failed. */
    void copyBackFailed() {
        copyBackFailures.increment();
    }

    /** A recording's final manifest is here: the primary still failed when it ended. */
    void indexWritten() {
        indexes.increment();
    }

    /** A segment stays here for good (its recording ended or its copy cannot be copied back): no longer waiting. */
    void leftHere(int segments) {
        held.addAndGet(-segments);
    }

    @Override
    public void close() {
        s3.close();
    }
}
