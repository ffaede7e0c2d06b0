package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Setting;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local segment spool ({@link SegmentSpool}): where it is, its bounds, and how long a finished segment waits for
 * an upload slot before it goes there. The defaults suit a Kubernetes {@code emptyDir} with a {@code sizeLimit} of
 * 1.5 GiB (infra/k8s): 1 GiB for the worker holds about 9 minutes of 4 rooms at 720p and 2 Mbit/s.
 */
public record SpoolConfig(Optional<Path> dir, long workerMaxBytes, long roomMaxBytes, Duration deadline) {
    static final Setting<String> S3_SPOOL_DIR = Setting.string("S3_SPOOL_DIR", "",
            "Local directory for segments that cannot go to S3 now, this worker's alone (an emptyDir): emptied at "
                    + "start. Empty: a fresh temporary directory per process.");
    static final Setting<Long> S3_SPOOL_MAX_BYTES = Setting.bytes("S3_SPOOL_MAX_BYTES", 1024L * 1024 * 1024, 0,
            1L << 40, "Bytes the spool may hold for the whole worker; 0 turns the spool off (an outage then waits "
                    + "on S3 and fails the recording after the retries).");
    static final Setting<Long> S3_SPOOL_ROOM_MAX_BYTES = Setting.bytes("S3_SPOOL_ROOM_MAX_BYTES",
            384L * 1024 * 1024, 0, 1L << 40, "Bytes the spool may hold for one recording.");
    static final Setting<Duration> S3_SPOOL_DEADLINE = Setting.duration("S3_SPOOL_DEADLINE", "250ms",
            Duration.ofMillis(10), Duration.ofMinutes(1),
            "How long a finished segment waits for an upload slot before it goes to the spool instead.");

    public static final List<Setting<?>> SETTINGS = List.of(S3_SPOOL_DIR, S3_SPOOL_MAX_BYTES, S3_SPOOL_ROOM_MAX_BYTES,
            S3_SPOOL_DEADLINE);

    public static SpoolConfig from(Map<String, String> env) {
        String dir = S3_SPOOL_DIR.read(env);
        return new SpoolConfig(dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir)), S3_SPOOL_MAX_BYTES.read(env),
                S3_SPOOL_ROOM_MAX_BYTES.read(env), S3_SPOOL_DEADLINE.read(env));
    }

    /** A spool in {@code dir}. */
    public SpoolConfig(Path dir, long workerMaxBytes, long roomMaxBytes, Duration deadline) {
        this(Optional.of(dir), workerMaxBytes, roomMaxBytes, deadline);
    }

    public SpoolPolicy policy() {
        return new SpoolPolicy(workerMaxBytes, roomMaxBytes);
    }
}
