package dev.mintrecorder.worker.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JoinTokenTest {

    @Test
    void grantsAHiddenSubscribeOnlyRecorderInOneRoom() throws Exception {
        long before = System.currentTimeMillis() / 1000;
        String jwt = JoinToken.create("devkey", "secret-secret-secret-secret-32by", "room-1", "recorder-job1",
                Duration.ofMinutes(10));
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length);

        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("secret-secret-secret-secret-32by".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.UTF_8)));
        assertEquals(signature, parts[2], "HS256 with the API secret");

        JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertEquals("devkey", claims.path("iss").asText());
        assertEquals("recorder-job1", claims.path("sub").asText());
        long ttl = claims.path("exp").asLong() - before;
        assertTrue(ttl >= 590 && ttl <= 610, "exp about 10 minutes ahead, was " + ttl + " s");
        JsonNode video = claims.path("video");
        assertTrue(video.path("roomJoin").asBoolean());
        assertEquals("room-1", video.path("room").asText());
        assertTrue(video.path("hidden").asBoolean());
        assertTrue(video.path("recorder").asBoolean());
        assertTrue(video.path("canSubscribe").asBoolean());
        assertTrue(video.has("canPublish") && !video.path("canPublish").asBoolean(), "canPublish=false set explicitly");
        assertTrue(video.has("canPublishData") && !video.path("canPublishData").asBoolean());
        assertFalse(video.path("roomAdmin").asBoolean());
    }
}
