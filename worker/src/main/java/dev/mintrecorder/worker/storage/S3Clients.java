package dev.mintrecorder.worker.storage;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.net.URI;
import java.time.Duration;

/** Builds the worker's S3 client from {@link StorageConfig}. */
public final class S3Clients {
    private S3Clients() {}

    /** Short enough that an unreachable S3 fails an attempt quickly and the storage retry takes over. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** A part upload that stalls this long is retried. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The standard sync client on the Apache 5 HTTP client. The CRT-based client's uploads and the SDK's multipart
     * download fail against S3Proxy; this client with whole or ranged GETs works (docs/design.md, "S3Proxy").
     *
     * <p>Checksums stay at the SDK's defaults ({@code WHEN_SUPPORTED}: CRC32 on every upload that names none, validated
     * on GET; segment parts name their own CRC32C).
     * S3Proxy 4.1 accepts them on PutObject, UploadPart and CompleteMultipartUpload (S3ClientsIT proves it
     * with this client), and they catch corrupted parts, so nothing is switched off. Servers without flexible
     * checksums (older MinIO and other S3-compatible stores) need {@code requestChecksumCalculation(WHEN_REQUIRED)}
     * and {@code responseChecksumValidation(WHEN_REQUIRED)}; S3Proxy does not.
     */
    public static S3Client create(StorageConfig config) {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials(config))
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT));
        if (!config.endpoint().isBlank()) {
            // S3-compatible servers on a plain host:port have no per-bucket DNS names: path-style addressing.
            builder.endpointOverride(URI.create(config.endpoint())).forcePathStyle(true);
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(StorageConfig config) {
        if (config.accessKeyId().isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        if (config.secretAccessKey().isBlank()) {
            throw new IllegalArgumentException("S3_ACCESS_KEY_ID is set but S3_SECRET_ACCESS_KEY is empty");
        }
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
    }
}
