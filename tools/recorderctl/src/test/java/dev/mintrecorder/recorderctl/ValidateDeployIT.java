package dev.mintrecorder.recorderctl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code scripts/validate-deploy} as part of {@code ./mvnw verify}: docker-compose parses the compose file, and
 * the k8s manifests validate against the Kubernetes and KEDA schemas and against what the worker reads and registers.
 * Its tools are installed by {@code scripts/setup} (the test JVM may sit in a network namespace with no registry).
 */
class ValidateDeployIT {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("../..").normalize();

    @Test
    void deploymentFilesValidate() throws IOException, InterruptedException {
        Path log = Files.createTempFile("validate-deploy", ".log");
        try {
            Process p = new ProcessBuilder(ROOT.resolve("scripts/validate-deploy").toString())
                    .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "validate-deploy did not finish within 120 s");
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "validate-deploy failed (run ./scripts/setup first):\n" + output);
            assertTrue(output.contains("0 error(s)"), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
