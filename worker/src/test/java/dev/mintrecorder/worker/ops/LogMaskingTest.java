package dev.mintrecorder.worker.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.worker.room.JoinToken;
import dev.mintrecorder.worker.room.SignalUrls;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped {@code logback.xml} (JSON lines, masking) during a representative flow: a configuration with secrets
 * loaded and printed, a LiveKit join token made and logged, the signal URL carrying it logged and thrown. No secret
 * or token string may reach the output; every line is JSON with the worker's and the recording's ids.
 */
class LogMaskingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LIVEKIT_SECRET = "lk-Api-Secret-9f8e7d6c5b4a";
    private static final String S3_SECRET = "s3/Secret+AccessKey=ZyXw1234";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private LoggerContext context;

    @BeforeEach
    void productionLogging() throws Exception {
        context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("JSON");
        Encoder<ILoggingEvent> encoder = console.getEncoder();
        root.detachAppender(console);
        console.stop();
        OutputStreamAppender<ILoggingEvent> capture = new OutputStreamAppender<>();
        capture.setContext(context);
        capture.setName("capture");
        capture.setEncoder(encoder);
        capture.setOutputStream(out);
        capture.start();
        root.addAppender(capture);
    }

    @AfterEach
    void testLogging() throws Exception {
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    @Test
    void secretsAndTokensNeverReachTheLog() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("WORKER_ID", "worker-7");
        env.put("LIVEKIT_API_KEY", "devkey");
        env.put("LIVEKIT_API_SECRET", LIVEKIT_SECRET);
        env.put("S3_SECRET_ACCESS_KEY", S3_SECRET);
        env.put("S3_ACCESS_KEY_ID", "access-id");
        SecretMasker.registerSecrets(env);
        WorkerConfig config = WorkerConfig.load(env);
        LogContext.workerId(config.workerId());
        Logger log = LoggerFactory.getLogger("dev.mintrecorder.worker.flow");

        String token = JoinToken.create(config.room().apiKey(), config.room().apiSecret(), "room-1", "recorder",
                Duration.ofMinutes(5));
        HttpUrl url = SignalUrls.rtc("ws://127.0.0.2:7880", token, null);
        try (LogContext.Scope scope = LogContext.recording("Mint1111111111111111111111111111", "job-42")) {
            log.info("configuration loaded: {}", config);
            log.info("joining with token {}", token);
            log.info("connecting to {}", url);
            log.debug("headers: Authorization: Bearer {}", token);
            log.warn("signal failed", new IOException("unexpected response for " + url + " (Authorization: Bearer "
                    + token + ")"));
            Thread other = Thread.ofVirtual().unstarted(LogContext.propagate(() -> log.info("upload part done")));
            other.start();
            other.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        log.info("worker idle");

        String text = out.toString(StandardCharsets.UTF_8);
        String[] tokenParts = token.split("\\.");
        for (String secret : List.of(LIVEKIT_SECRET, S3_SECRET, token, tokenParts[1], tokenParts[2])) {
            assertFalse(text.contains(secret), "a secret reached the log: " + secret + "\n" + text);
        }
        assertTrue(text.contains("access_token=****"), text);
        assertTrue(text.contains("Bearer ****"), text);
        assertTrue(text.contains("tokenTtl=PT10M"), "settings that only mention a token stay readable: " + text);

        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(6, lines.size(), text);
        for (JsonNode line : lines) {
            assertEquals("worker-7", line.path("worker_id").asText(), line.toString());
        }
        for (JsonNode line : lines.subList(0, 5)) {
            assertEquals("Mint1111111111111111111111111111", line.path("mint_id").asText(), line.toString());
            assertEquals("job-42", line.path("job_id").asText(), line.toString());
        }
        assertTrue(lines.get(3).path("stack_trace").asText().contains("access_token=****"));
        assertTrue(lines.get(5).path("mint_id").isMissingNode(), "the scope ended: " + lines.get(5));
    }
}
