package dev.mintrecorder.bench;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches prefixes in S3 every 50 ms and notes when each object and each open multipart upload first appeared.
 * An appearance lies between the start of the last poll that missed it and the end of the first poll that saw it;
 * {@link #appeared} gives the middle of that interval (error ± half of it, reported beside).
 */
final class S3Poller implements AutoCloseable {
    private static final long PERIOD_MILLIS = 50;

    /** When a key first appeared: between {@code after} and {@code before}, in seconds of this poller's clock. */
    record Seen(double after, double before) {
        double appeared() {
            return (after + before) / 2;
        }

        double uncertainty() {
            return (before - after) / 2;
        }
    }

    private final S3Client s3;
    private final String bucket;
    private final List<String> prefixes;
    private final long t0 = System.nanoTime();
    private final Map<String, Seen> objects = new ConcurrentHashMap<>();
    private final Map<String, Seen> uploads = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    S3Poller(S3Client s3, String bucket, List<String> prefixes) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefixes = List.copyOf(prefixes);
        thread = Thread.ofPlatform().name("s3-poller").daemon().start(this::run);
    }

    double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void run() {
        double lastStart = now();
        while (!closed) {
            double start = now();
            for (String prefix : prefixes) {
                List<S3Object> listed = s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix)).contents();
                List<MultipartUpload> open = s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)).uploads();
                double end = now();
                for (S3Object o : listed) {
                    objects.putIfAbsent(o.key(), new Seen(lastStart, end));
                }
                for (MultipartUpload u : open) {
                    uploads.putIfAbsent(u.key(), new Seen(lastStart, end));
                }
            }
            lastStart = start;
            Timing.pause(java.time.Duration.ofMillis(PERIOD_MILLIS));
        }
    }

    Seen object(String key) {
        return objects.get(key);
    }

    Seen upload(String key) {
        return uploads.get(key);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join();
    }
}
