package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShareConsumerConfigTest {
    /** One record per poll, as a hard cap: the bulkhead relies on it (JobEngineIT proves it against the broker). */
    @Test
    void theDispatcherAcquiresAtMostOneRecordPerPollWithExplicitAcknowledgement() {
        Map<String, Object> c = JobEngine.shareConsumerConfig(KafkaClientConfig.plaintext("localhost:9092"), "w-1");
        assertEquals("explicit", c.get("share.acknowledgement.mode"));
        assertEquals("record_limit", c.get("share.acquire.mode"));
        assertEquals(1, c.get("max.poll.records"));
        assertEquals(Topics.WORKER_SHARE_GROUP, c.get("group.id"));
        assertEquals("w-1-dispatcher", c.get("client.id"));
    }
}
