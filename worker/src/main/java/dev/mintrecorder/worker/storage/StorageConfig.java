package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.ConfigException;
import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * S3 settings: the primary store, and an optional fallback store (as LiveKit Egress has) that spooled segments go to
 * once the primary has kept failing for {@code S3_FALLBACK_AFTER}.
 */
public record StorageConfig(String endpoint, String region, String bucket, String accessKeyId, String secretAccessKey,
                            Optional<Fallback> fallback) {
    static final Setting<String> S3_ENDPOINT = Setting.string("S3_ENDPOINT", "",
            "S3 endpoint URL for S3-compatible servers (MinIO, S3Proxy); path-style access is used when set. Empty: AWS.");
    static final Setting<String> S3_REGION = Setting.string("S3_REGION", "us-east-1", "S3 region.");
    static final Setting<String> S3_BUCKET = Setting.string("S3_BUCKET", "recordings", "Bucket that receives recordings.");
    static final Setting<String> S3_ACCESS_KEY_ID = Setting.string("S3_ACCESS_KEY_ID", "",
            "Access key id. Empty: the AWS default credentials chain.");
    static final Setting<String> S3_SECRET_ACCESS_KEY = Setting.secret("S3_SECRET_ACCESS_KEY", "",
            "Secret access key. Never logged.");
    static final Setting<String> S3_FALLBACK_BUCKET = Setting.string("S3_FALLBACK_BUCKET", "",
            "Bucket of the fallback store, which takes spooled segments while the primary keeps failing; the "
                    + "manifest names the store of each segment. Empty: no fallback store.");
    static final Setting<String> S3_FALLBACK_ENDPOINT = Setting.string("S3_FALLBACK_ENDPOINT", "",
            "Endpoint URL of the fallback store (as S3_ENDPOINT). Empty: AWS, in S3_REGION.");
    static final Setting<String> S3_FALLBACK_ACCESS_KEY_ID = Setting.string("S3_FALLBACK_ACCESS_KEY_ID", "",
            "Access key id for the fallback store. Empty: the primary's credentials.");
    static final Setting<String> S3_FALLBACK_SECRET_ACCESS_KEY = Setting.secret("S3_FALLBACK_SECRET_ACCESS_KEY", "",
            "Secret access key for the fallback store. Never logged.");
    static final Setting<Duration> S3_FALLBACK_AFTER = Setting.duration("S3_FALLBACK_AFTER", "30s",
            Duration.ofSeconds(1), Duration.ofHours(1),
            "How long the primary store must keep failing before spooled segments go to the fallback store.");

    public static final List<Setting<?>> SETTINGS =
            List.of(S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_FALLBACK_BUCKET,
                    S3_FALLBACK_ENDPOINT, S3_FALLBACK_ACCESS_KEY_ID, S3_FALLBACK_SECRET_ACCESS_KEY, S3_FALLBACK_AFTER);

    /**
     * The fallback store and when it takes over.
     *
     * @param store where it is (its own fallback empty)
     * @param after how long the primary must keep failing first
     */
    public record Fallback(StorageConfig store, Duration after) {}

    /** A store without a fallback. */
    public StorageConfig(String endpoint, String region, String bucket, String accessKeyId, String secretAccessKey) {
        this(endpoint, region, bucket, accessKeyId, secretAccessKey, Optional.empty());
    }

    public static StorageConfig from(Map<String, String> env) {
        String accessKeyId = S3_ACCESS_KEY_ID.read(env);
        String secret = S3_SECRET_ACCESS_KEY.read(env);
        String region = S3_REGION.read(env);
        String fallbackBucket = S3_FALLBACK_BUCKET.read(env);
        Optional<Fallback> fallback = Optional.empty();
        if (!fallbackBucket.isBlank()) {
            String fallbackKey = S3_FALLBACK_ACCESS_KEY_ID.read(env);
            String fallbackSecret = S3_FALLBACK_SECRET_ACCESS_KEY.read(env);
            if (fallbackKey.isBlank() != fallbackSecret.isBlank()) {
                throw new ConfigException(fallbackKey.isBlank() ? "S3_FALLBACK_ACCESS_KEY_ID"
                        : "S3_FALLBACK_SECRET_ACCESS_KEY", "is empty while the other of the pair is set");
            }
            boolean own = !fallbackKey.isBlank();
            fallback = Optional.of(new Fallback(new StorageConfig(S3_FALLBACK_ENDPOINT.read(env), region,
                    fallbackBucket, own ? fallbackKey : accessKeyId, own ? fallbackSecret : secret),
                    S3_FALLBACK_AFTER.read(env)));
        }
        return new StorageConfig(S3_ENDPOINT.read(env), region, S3_BUCKET.read(env), accessKeyId, secret, fallback);
    }

    @Override
    public String toString() {
        return "StorageConfig[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", accessKeyId=" + accessKeyId + ", secretAccessKey=<redacted>, fallback=" + fallback + "]";
    }
}
