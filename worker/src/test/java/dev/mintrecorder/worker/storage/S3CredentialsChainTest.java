package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * With no S3 keys configured, the worker's S3 client takes the pod's identity through the AWS SDK's default chain, and
 * on EKS with IRSA that is web identity: a projected service-account token exchanged at STS
 * ({@code AssumeRoleWithWebIdentity}). This needs {@code software.amazon.awssdk:sts} at run time; without it the SDK
 * skips web identity and the worker has no credentials.
 *
 * <p>The SDK reads each setting from a system property before the environment variable that IRSA's webhook sets
 * ({@code aws.webIdentityTokenFile} / {@code AWS_WEB_IDENTITY_TOKEN_FILE}, {@code aws.roleArn} / {@code AWS_ROLE_ARN},
 * {@code aws.endpointUrlSts} / {@code AWS_ENDPOINT_URL_STS}), so the test sets properties and clears them after.
 * {@code ShadedJarWebIdentityIT} does the same with the environment variables against the shipped jar.
 */
class S3CredentialsChainTest {
    static final String ROLE_ARN = "arn:aws:iam::123456789012:role/mint-recorder-worker";
    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig";

    @Test
    void withoutKeysTheWorkersClientAssumesItsRoleWithTheWebIdentityToken(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getenv("AWS_SECRET_ACCESS_KEY") == null,
                "static AWS keys in the environment come before web identity in the chain");
        Path token = Files.writeString(dir.resolve("token"), TOKEN);
        try (FakeSts sts = new FakeSts()) {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("aws.webIdentityTokenFile", token.toString());
            properties.put("aws.roleArn", ROLE_ARN);
            properties.put("aws.roleSessionName", "mint-recorder-test");
            properties.put("aws.region", "us-east-1");
            properties.put("aws.endpointUrlSts", sts.endpoint());
            properties.put("aws.disableEc2Metadata", "true"); // should the chain fall through: never ask 169.254.169.254
            Map<String, String> before = new LinkedHashMap<>();
            properties.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
            try (S3Client s3 = S3Clients.create(StorageConfig.from(Map.of("S3_ENDPOINT", "http://127.0.0.1:9")))) {
                AwsCredentialsIdentity identity = s3.serviceClientConfiguration().credentialsProvider()
                        .resolveIdentity().join();
                assertEquals(FakeSts.ACCESS_KEY_ID, identity.accessKeyId());
                assertEquals(FakeSts.SECRET_ACCESS_KEY, identity.secretAccessKey());
                assertEquals(FakeSts.SESSION_TOKEN,
                        assertInstanceOf(AwsSessionCredentialsIdentity.class, identity).sessionToken());
            } finally {
                before.forEach((k, v) -> {
                    if (v == null) {
                        System.clearProperty(k);
                    } else {
                        System.setProperty(k, v);
                    }
                });
            }
            assertEquals(1, sts.calls().size(), sts.calls().toString());
            Map<String, String> call = sts.calls().get(0);
            assertEquals("AssumeRoleWithWebIdentity", call.get("Action"));
            assertEquals(ROLE_ARN, call.get("RoleArn"));
            assertEquals(TOKEN, call.get("WebIdentityToken"));
            assertEquals("mint-recorder-test", call.get("RoleSessionName"));
        }
    }
}
