package dev.mintrecorder.worker.storage;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * TEST ONLY: resolves the credentials of the worker's S3 client, configured from the environment as the worker is, and
 * prints the access key id. {@code ShadedJarWebIdentityIT} runs it on the shipped jar's class path.
 */
public final class WebIdentityProbe {
    private WebIdentityProbe() {}

    public static void main(String[] args) {
        try (S3Client s3 = S3Clients.create(StorageConfig.from(System.getenv()))) {
            AwsCredentialsIdentity identity = s3.serviceClientConfiguration().credentialsProvider().resolveIdentity().join();
            System.out.println("accessKeyId=" + identity.accessKeyId());
        } catch (RuntimeException e) {
            System.out.println("failed: " + e);
            System.exit(1);
        }
    }
}
