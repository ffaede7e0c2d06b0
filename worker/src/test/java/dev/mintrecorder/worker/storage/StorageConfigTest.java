package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.ops.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageConfigTest {
    private static final Map<String, String> PRIMARY = Map.of("S3_ENDPOINT", "http://127.0.0.1:9000",
            "S3_BUCKET", "rec", "S3_ACCESS_KEY_ID", "key", "S3_SECRET_ACCESS_KEY", "secret");

    private static Map<String, String> with(Map<String, String> more) {
        java.util.HashMap<String, String> env = new java.util.HashMap<>(PRIMARY);
        env.putAll(more);
        return env;
    }

    @Test
    void noFallbackBucketNoFallback() {
        assertFalse(StorageConfig.from(PRIMARY).fallback().isPresent());
    }

    @Test
    void theFallbackTakesThePrimarysCredentialsUnlessItHasItsOwn() {
        StorageConfig.Fallback f = StorageConfig.from(with(Map.of("S3_FALLBACK_BUCKET", "backup",
                "S3_FALLBACK_ENDPOINT", "http://127.0.0.1:9001"))).fallback().orElseThrow();
        assertEquals(new StorageConfig("http://127.0.0.1:9001", "us-east-1", "backup", "key", "secret"), f.store());
        assertEquals(Duration.ofSeconds(30), f.after());

        StorageConfig.Fallback own = StorageConfig.from(with(Map.of("S3_FALLBACK_BUCKET", "backup",
                "S3_FALLBACK_ACCESS_KEY_ID", "k2", "S3_FALLBACK_SECRET_ACCESS_KEY", "s2", "S3_FALLBACK_AFTER", "5s")))
                .fallback().orElseThrow();
        assertEquals("k2", own.store().accessKeyId());
        assertEquals(Duration.ofSeconds(5), own.after());
        assertFalse(own.toString().contains("s2"), "secrets are never printed: " + own);
    }

    @Test
    void halfAFallbackKeyPairNamesTheMissingVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> StorageConfig.from(with(Map.of(
                "S3_FALLBACK_BUCKET", "backup", "S3_FALLBACK_ACCESS_KEY_ID", "k2"))));
        assertEquals("S3_FALLBACK_SECRET_ACCESS_KEY", e.variable());
        assertTrue(e.getMessage().startsWith("S3_FALLBACK_SECRET_ACCESS_KEY is empty"), e.getMessage());
    }
}
