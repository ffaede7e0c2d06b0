package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped worker jar ({@code target/mint-recorder-worker.jar}, what the image runs) reaches web identity with
 * exactly the environment EKS's IRSA webhook gives a pod whose ServiceAccount carries
 * {@code eks.amazonaws.com/role-arn}: {@code AWS_ROLE_ARN} and {@code AWS_WEB_IDENTITY_TOKEN_FILE} (plus
 * {@code AWS_REGION}). STS is a loopback stand-in ({@code AWS_ENDPOINT_URL_STS}). The jar must carry
 * {@code software.amazon.awssdk:sts}, which the SDK loads by reflection: without it the chain skips web identity.
 *
 * <p>The probe runs in a child JVM whose class path is the shaded jar plus this module's test classes (which hold no
 * SDK class), so only what ships answers.
 */
class ShadedJarWebIdentityIT {

    @Test
    void theShippedJarAssumesTheRoleOfTheServiceAccount(@TempDir Path dir) throws Exception {
        Path jar = Path.of("target/mint-recorder-worker.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (the package phase builds it)");
        Path testClasses = Path.of(WebIdentityProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path token = Files.writeString(dir.resolve("token"), S3CredentialsChainTest.TOKEN);
        try (FakeSts sts = new FakeSts()) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", jar + File.pathSeparator + testClasses, WebIdentityProbe.class.getName())
                    .redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("S3_"));
            env.put("HOME", dir.toString()); // no ~/.aws of the machine running the test
            env.put("AWS_EC2_METADATA_DISABLED", "true"); // should the chain fall through: never ask 169.254.169.254
            env.putAll(Map.of(
                    "AWS_ROLE_ARN", S3CredentialsChainTest.ROLE_ARN,
                    "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(),
                    "AWS_REGION", "us-east-1",
                    "AWS_ENDPOINT_URL_STS", sts.endpoint(),
                    "S3_ENDPOINT", "http://127.0.0.1:9"));
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not finish: " + output);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.contains("accessKeyId=" + FakeSts.ACCESS_KEY_ID), output);
            List<Map<String, String>> calls = sts.calls();
            assertEquals(1, calls.size(), calls.toString());
            assertEquals("AssumeRoleWithWebIdentity", calls.get(0).get("Action"));
            assertEquals(S3CredentialsChainTest.ROLE_ARN, calls.get(0).get("RoleArn"));
            assertEquals(S3CredentialsChainTest.TOKEN, calls.get(0).get("WebIdentityToken"));
        }
    }
}
