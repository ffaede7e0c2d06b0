package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How segments stream into S3: part size, parts in flight per room, and the retry policy for transient failures.
 * With the defaults a room holds at most {@code (maxPartsInFlight + 1) * partSize} bytes of segment data.
 */
public record UploadConfig(long partSizeBytes, int maxPartsInFlight, int retryAttempts, Duration retryInitialBackoff,
                           Duration retryMaxBackoff) {
    /** S3's minimum size for every part but the last. */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

    static final Setting<Long> S3_PART_SIZE = Setting.bytes("S3_PART_SIZE", MIN_PART_SIZE, MIN_PART_SIZE,
            512L * 1024 * 1024, "Multipart part size: a segment's bytes go up whenever this much is buffered.");
    static final Setting<Integer> S3_MAX_PARTS_IN_FLIGHT = Setting.integer("S3_MAX_PARTS_IN_FLIGHT", 2, 1, 16,
            "Parts one room may have uploading at once; the encoder waits beyond that, so memory stays bounded.");
    static final Setting<Integer> S3_RETRY_ATTEMPTS = Setting.integer("S3_RETRY_ATTEMPTS", 8, 1, 50,
            "Attempts per S3 call on transient failures (network errors, 5xx, throttling) before the job fails.");
    static final Setting<Duration> S3_RETRY_INITIAL_BACKOFF = Setting.duration("S3_RETRY_INITIAL_BACKOFF", "200ms",
            Duration.ofMillis(10), Duration.ofMinutes(1), "First retry delay; it doubles per attempt.");
    static final Setting<Duration> S3_RETRY_MAX_BACKOFF = Setting.duration("S3_RETRY_MAX_BACKOFF", "5s",
            Duration.ofMillis(10), Duration.ofMinutes(5), "Longest retry delay.");

    public static final List<Setting<?>> SETTINGS = List.of(S3_PART_SIZE, S3_MAX_PARTS_IN_FLIGHT, S3_RETRY_ATTEMPTS,
            S3_RETRY_INITIAL_BACKOFF, S3_RETRY_MAX_BACKOFF);

    public static UploadConfig from(Map<String, String> env) {
        return new UploadConfig(S3_PART_SIZE.read(env), S3_MAX_PARTS_IN_FLIGHT.read(env), S3_RETRY_ATTEMPTS.read(env),
                S3_RETRY_INITIAL_BACKOFF.read(env), S3_RETRY_MAX_BACKOFF.read(env));
    }
}
