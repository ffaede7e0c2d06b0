package dev.mintrecorder.worker.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.MemoryAlarm.Level;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.junit.WithDevstack;
import dev.mintrecorder.worker.events.EventPublisher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The governor's alarms on the devstack's real Kafka broker: a stalled room drives a 1 MB budget to CRITICAL; the
 * alarms arrive on {@code recording.alarms}, keyed by worker_id, as the contract's JSON.
 */
@WithDevstack(Devstack.Component.KAFKA)
class MemoryAlarmIT {
    private static final long MB = 1024 * 1024;
    private static final String MINT = "Sta11edRoom1111111111111111111111111";

    @Test
    void alarmsArriveOnTheAlarmsTopicKeyedByWorker(Devstack stack) throws Exception {
        String workerId = "alarm-it-" + UUID.randomUUID().toString().substring(0, 8);
        UUID jobId = UUID.randomUUID();
        AtomicLong queueBytes = new AtomicLong();
        RoomMemory stalled = new RoomMemory() {
            @Override
            public MintId mintId() {
                return new MintId(MINT);
            }

            @Override
            public UUID jobId() {
                return jobId;
            }

            @Override
            public Figures figures() {
                return new Figures(queueBytes.get(), 42, 0);
            }

            @Override
            public void lowerLayer() {}

            @Override
            public void restoreLayer() {}

            @Override
            public void shrinkQueues(double factor) {}

            @Override
            public void restoreQueues() {}

            @Override
            public void handOver() {}
        };
        RoomMemoryRegistry rooms = new RoomMemoryRegistry();
        rooms.register(stalled);
        Admission admission = new Admission(MB, MB / 10, 0, () -> 0);
        MemoryConfig config = MemoryConfig.from(Map.of());
        try (EventPublisher publisher = new EventPublisher(stack.kafkaBootstrap(), workerId, Duration.ofMinutes(1));
             MemoryGovernor governor = new MemoryGovernor(workerId, MB, config,
                     () -> new ProcessMemory(MB / 4 + queueBytes.get(), 1000, 2000, 3000), rooms,
                     new WorkerGovernorActions(publisher::alarm, admission, rooms, config.queueShrink()),
                     Clock.systemUTC(), new SimpleMeterRegistry())) {
            queueBytes.set(MB / 2);           // 0.75: WARN
            assertEquals(Level.WARN, governor.tick());
            queueBytes.set(MB * 65 / 100);     // 0.90: CRITICAL
            assertEquals(Level.CRITICAL, governor.tick());
            publisher.close(Duration.ofSeconds(10));
        }

        List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ALARMS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (workerId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        mine.add(r);
                    }
                }
                return mine.size() >= 2;
            });
        }
        assertEquals(2, mine.size());
        MemoryAlarm warn = Messages.decodeAlarm(mine.get(0).value());
        MemoryAlarm critical = Messages.decodeAlarm(mine.get(1).value());
        assertEquals(Level.WARN, warn.level());
        assertEquals(List.of(MemoryAlarm.Action.ALARM_ONLY), warn.actions());
        assertEquals(Level.CRITICAL, critical.level());
        assertEquals(List.of(MemoryAlarm.Action.PAUSE_INTAKE, MemoryAlarm.Action.LOWER_VIDEO_LAYER,
                MemoryAlarm.Action.SHRINK_QUEUES), critical.actions());
        assertTrue(admission.paused());

        JsonNode json = new ObjectMapper().readTree(mine.get(1).value());
        assertEquals(workerId, json.path("worker_id").asText());
        assertEquals("CRITICAL", json.path("level").asText());
        assertEquals(MB / 4 + MB * 65 / 100, json.path("rss_bytes").asLong());
        assertEquals(MB, json.path("budget_bytes").asLong());
        assertEquals(1000, json.path("heap_bytes").asLong());
        assertEquals(3000, json.path("native_bytes").path("javacpp_bytes").asLong());
        assertEquals(2000, json.path("native_bytes").path("direct_bytes").asLong());
        JsonNode room = json.path("rooms").get(0);
        assertEquals(MINT, room.path("mint_id").asText());
        assertEquals(jobId.toString(), room.path("job_id").asText());
        assertEquals(MB * 65 / 100, room.path("queue_bytes").asLong());
        assertEquals(42, room.path("dropped").asLong());
        assertEquals("PAUSE_INTAKE", json.path("actions").get(0).asText());
    }
}
