package dev.mintrecorder.devstack.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** S3Proxy checks credentials, and stop/start keeps its port and its objects. */
class S3ServerIT {
    private static S3Server server;

    @BeforeAll
    static void start() {
        server = S3Server.start(S3ServerOptions.defaults());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void rejectsAWrongSecret() {
        try (S3Client client = client(server.options().accessKeyId(), "not-the-secret")) {
            S3Exception e = assertThrows(S3Exception.class,
                    () -> client.listObjectsV2(r -> r.bucket(server.options().bucket())));
            assertEquals(403, e.statusCode());
        }
    }

    @Test
    void stopAndStartKeepThePortAndTheObjects() {
        URI endpoint = server.endpoint();
        String bucket = server.options().bucket();
        try (S3Client client = client(server.options().accessKeyId(), server.options().secretAccessKey())) {
            client.putObject(r -> r.bucket(bucket).key("kept.txt"), RequestBody.fromString("kept"));

            server.stop();
            assertThrows(SdkClientException.class, () -> client.getObjectAsBytes(r -> r.bucket(bucket).key("kept.txt")));

            server.start();
            assertEquals(endpoint, server.endpoint());
            assertEquals("kept", client.getObjectAsBytes(r -> r.bucket(bucket).key("kept.txt")).asUtf8String());
        }
    }

    private static S3Client client(String accessKey, String secret) {
        return S3Client.builder()
                .endpointOverride(server.endpoint())
                .forcePathStyle(true)
                .region(Region.of(server.options().region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
                .build();
    }
}
