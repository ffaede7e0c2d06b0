package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.Setting;

import java.util.List;
import java.util.Map;

/** S3 settings. */
public record StorageConfig(String endpoint, String region, String bucket, String accessKeyId, String secretAccessKey) {
    static final Setting<String> S3_ENDPOINT = Setting.string("S3_ENDPOINT", "",
            "S3 endpoint URL for S3-compatible servers (MinIO, S3Proxy); path-style access is used when set. Empty: AWS.");
    static final Setting<String> S3_REGION = Setting.string("S3_REGION", "us-east-1", "S3 region.");
    static final Setting<String> S3_BUCKET = Setting.string("S3_BUCKET", "recordings", "Bucket that receives recordings.");
    static final Setting<String> S3_ACCESS_KEY_ID = Setting.string("S3_ACCESS_KEY_ID", "",
            "Access key id. Empty: the AWS default credentials chain.");
    static final Setting<String> S3_SECRET_ACCESS_KEY = Setting.secret("S3_SECRET_ACCESS_KEY", "",
            "Secret access key. Never logged.");

    public static final List<Setting<?>> SETTINGS =
            List.of(S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY);

    public static StorageConfig from(Map<String, String> env) {
        return new StorageConfig(S3_ENDPOINT.read(env), S3_REGION.read(env), S3_BUCKET.read(env),
                S3_ACCESS_KEY_ID.read(env), S3_SECRET_ACCESS_KEY.read(env));
    }

    @Override
    public String toString() {
        return "StorageConfig[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket
                + ", accessKeyId=" + accessKeyId + ", secretAccessKey=<redacted>]";
    }
}
