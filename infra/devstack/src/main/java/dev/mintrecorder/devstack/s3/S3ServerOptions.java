package dev.mintrecorder.devstack.s3;

/**
 * S3Proxy settings.
 *
 * @param bucket the bucket created at start
 * @param region the region clients sign for (S3Proxy accepts any; the worker's {@code S3_REGION})
 * @param accessKeyId the only access key S3Proxy accepts
 * @param secretAccessKey its secret
 */
public record S3ServerOptions(String bucket, String region, String accessKeyId, String secretAccessKey) {
    public static S3ServerOptions defaults() {
        return new S3ServerOptions("recordings", "us-east-1", "devstack-access-key", "devstack-secret-key");
    }
}
