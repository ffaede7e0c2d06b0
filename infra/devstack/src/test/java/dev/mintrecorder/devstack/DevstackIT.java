package dev.mintrecorder.devstack;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test API and the standalone main export the worker's env vars and clean up after themselves. */
class DevstackIT {
    private static final List<String> ENV_NAMES = List.of("KAFKA_BOOTSTRAP_SERVERS", "S3_ENDPOINT", "S3_REGION",
            "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET");

    @Test
    void apiExportsEveryEndpoint() {
        Map<String, String> env;
        try (Devstack stack = Devstack.start(DevstackOptions.forTests())) {
            env = stack.env();
            assertEquals(ENV_NAMES, List.copyOf(env.keySet()));
            assertEquals(stack.kafkaBootstrap(), env.get("KAFKA_BOOTSTRAP_SERVERS"));
            assertEquals(stack.s3Endpoint().toString(), env.get("S3_ENDPOINT"));
            assertTrue(env.get("KAFKA_BOOTSTRAP_SERVERS").startsWith("127.0.0.1:"));
        }
        assertTrue(brokerChildren().isEmpty(), "broker JVM gone after close");
    }

    @Test
    void mainPrintsExportsThenReadyAndStopsOnSigterm() throws Exception {
        Process main = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DevstackMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            List<String> lines = new ArrayList<>();
            CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(main.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null && !line.equals("READY")) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ready.get(60, TimeUnit.SECONDS);
            assertEquals(ENV_NAMES, lines.stream().map(l -> l.substring("export ".length(), l.indexOf('='))).toList());
            List<ProcessHandle> children = main.descendants().toList();
            assertEquals(2, children.size(), "the broker JVM and the room server's media process");

            main.destroy();
            assertTrue(main.waitFor(30, TimeUnit.SECONDS), "exits on SIGTERM");
            for (ProcessHandle child : children) {
                child.onExit().get(30, TimeUnit.SECONDS);
                assertFalse(child.isAlive(), "child JVMs gone with the main");
            }
        } finally {
            main.destroyForcibly();
        }
    }

    private static List<ProcessHandle> brokerChildren() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
    }
}
