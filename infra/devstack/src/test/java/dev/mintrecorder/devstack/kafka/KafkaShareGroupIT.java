package dev.mintrecorder.devstack.kafka;

import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The share-group behaviour the job engine relies on, against the devstack's real broker. */
class KafkaShareGroupIT {
    private static final Duration LOCK = Duration.ofSeconds(2);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static KafkaBroker broker;
    private static Admin admin;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(KafkaBrokerOptions.fastForTests().withRecordLockDuration(LOCK));
        admin = broker.admin();
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @AfterAll
    static void stopBroker() {
        if (producer != null) {
            producer.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void provisionsEveryTopicAndTheWorkerShareGroup() throws Exception {
        List<String> names = Topics.all().stream().map(Topics.TopicSpec::name).toList();
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
        for (Topics.TopicSpec spec : Topics.all()) {
            assertEquals(spec.partitions(), described.get(spec.name()).partitions().size(), spec.name());
        }
        Config config = groupConfig(Topics.WORKER_SHARE_GROUP);
        assertEquals("earliest", config.get("share.auto.offset.reset").value());
        assertTrue(broker.brokerDlqConfigured(), "KIP-1191 dead-letter topic accepted");
        assertEquals(Topics.JOBS_BROKER_DLQ, config.get("errors.deadletterqueue.topic.name").value());
    }

    @Test
    void rejectedJobIsCopiedToTheBrokerDeadLetterTopic() throws Exception {
        String key = "poison-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, key, "not a job")).get();
        try (KafkaShareConsumer<String, String> worker = shareConsumer(Topics.WORKER_SHARE_GROUP, 1)) {
            worker.subscribe(List.of(Topics.JOBS));
            ConsumerRecord<String, String> poison = pollOne(worker);
            assertEquals(key, poison.key());
            worker.acknowledge(poison, AcknowledgeType.REJECT);
            assertNoCommitErrors(worker.commitSync());
        }
        try (KafkaConsumer<String, String> reader = plainConsumer()) {
            TopicPartition dlq = new TopicPartition(Topics.JOBS_BROKER_DLQ, 0);
            reader.assign(List.of(dlq));
            reader.seekToBeginning(List.of(dlq));
            AtomicReference<ConsumerRecord<String, String>> copied = new AtomicReference<>();
            await().atMost(DEADLINE).until(() -> {
                for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        copied.set(r);
                    }
                }
                return copied.get() != null;
            });
            assertEquals("not a job", copied.get().value());
            String headers = headers(copied.get());
            assertTrue(headers.contains("__dlq.errors.group=" + Topics.WORKER_SHARE_GROUP), headers);
            assertTrue(headers.contains("__dlq.errors.message=Offset rejected by client."), headers);
        }
    }

    @Test
    void renewHoldsTheLockPastItsDurationThenAcceptEndsIt() throws Exception {
        String topic = newTopic();
        String group = newGroup();
        producer.send(new ProducerRecord<>(topic, "mint", "job")).get();
        try (KafkaShareConsumer<String, String> holder = shareConsumer(group, 1)) {
            holder.subscribe(List.of(topic));
            ConsumerRecord<String, String> first = pollOne(holder);
            try (KafkaShareConsumer<String, String> rival = shareConsumer(group, 1)) {
                rival.subscribe(List.of(topic));
                holder.acknowledge(first, AcknowledgeType.RENEW);
                assertNoCommitErrors(holder.commitSync());
                AtomicInteger renewals = new AtomicInteger(1);
                AtomicBoolean accepted = new AtomicBoolean();
                long renewUntil = System.nanoTime() + LOCK.multipliedBy(3).toNanos();
                await().atMost(LOCK.multipliedBy(3).plus(DEADLINE)).until(() -> {
                    // A renewed record comes back from a later poll; acknowledge what that poll returned.
                    for (ConsumerRecord<String, String> again : holder.poll(Duration.ofMillis(200))) {
                        assertEquals(first.offset(), again.offset());
                        if (System.nanoTime() < renewUntil) {
                            holder.acknowledge(again, AcknowledgeType.RENEW);
                            renewals.incrementAndGet();
                        } else {
                            holder.acknowledge(again, AcknowledgeType.ACCEPT);
                            accepted.set(true);
                        }
                        assertNoCommitErrors(holder.commitSync());
                    }
                    assertTrue(rival.poll(Duration.ofMillis(100)).isEmpty(), "a renewed record is not handed out");
                    return accepted.get();
                });
                assertTrue(renewals.get() >= 3, "renewed " + renewals + " times in 3 lock durations");
                // Accepted: nobody gets it again, not even after the lock would have expired.
                await().during(LOCK.plusSeconds(1)).atMost(LOCK.plusSeconds(10))
                        .until(() -> rival.poll(Duration.ofMillis(200)).isEmpty());
            }
        }
    }

    @Test
    void recordIsRedeliveredAfterItsHolderClosesWithoutAcking() throws Exception {
        String topic = newTopic();
        String group = newGroup();
        producer.send(new ProducerRecord<>(topic, "mint", "job")).get();
        try (KafkaShareConsumer<String, String> holder = shareConsumer(group, 1)) {
            holder.subscribe(List.of(topic));
            ConsumerRecord<String, String> taken = pollOne(holder);
            assertEquals(Optional.of((short) 1), taken.deliveryCount());
        }
        try (KafkaShareConsumer<String, String> next = shareConsumer(group, 1)) {
            next.subscribe(List.of(topic));
            ConsumerRecord<String, String> redelivered = pollOne(next);
            assertEquals("job", redelivered.value());
            assertEquals(Optional.of((short) 2), redelivered.deliveryCount());
            next.acknowledge(redelivered, AcknowledgeType.ACCEPT);
            assertNoCommitErrors(next.commitSync());
        }
    }

    @Test
    void recordLimitModeCapsWhatOnePollAcquires() throws Exception {
        String topic = newTopic();
        String group = newGroup();
        for (int i = 0; i < 6; i++) {
            producer.send(new ProducerRecord<>(topic, "mint-" + i, "job-" + i));
        }
        producer.flush();
        List<Integer> pollSizes = new ArrayList<>();
        List<String> received = new ArrayList<>();
        try (KafkaShareConsumer<String, String> consumer = shareConsumer(group, 2)) {
            consumer.subscribe(List.of(topic));
            await().atMost(DEADLINE).until(() -> {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    pollSizes.add(records.count());
                    for (ConsumerRecord<String, String> r : records) {
                        received.add(r.value());
                        consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    assertNoCommitErrors(consumer.commitSync());
                }
                return received.size() == 6;
            });
        }
        assertTrue(pollSizes.stream().allMatch(n -> n <= 2), "poll sizes " + pollSizes);
        assertEquals(List.of("job-0", "job-1", "job-2", "job-3", "job-4", "job-5"), received);
    }

    private static ConsumerRecord<String, String> pollOne(KafkaShareConsumer<String, String> consumer) {
        AtomicReference<ConsumerRecord<String, String>> got = new AtomicReference<>();
        await().atMost(DEADLINE).until(() -> {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
            assertTrue(records.count() <= 1, "max.poll.records=1 with record_limit");
            records.forEach(got::set);
            return got.get() != null;
        });
        return got.get();
    }

    static KafkaShareConsumer<String, String> shareConsumer(String group, int maxPollRecords) {
        return new KafkaShareConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit",
                // max.poll.records is a hard cap only in record_limit mode (docs/design.md, "Kafka share groups").
                ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords));
    }

    private static KafkaConsumer<String, String> plainConsumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    }

    private static String newTopic() throws Exception {
        String name = "it-" + UUID.randomUUID();
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        return name;
    }

    private static String newGroup() throws Exception {
        String group = "it-group-" + UUID.randomUUID();
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get();
        return group;
    }

    private static Config groupConfig(String group) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    private static void assertNoCommitErrors(Map<?, ? extends Optional<?>> result) {
        assertTrue(result.values().stream().allMatch(Optional::isEmpty), "commit errors: " + result);
    }

    private static String headers(ConsumerRecord<?, ?> record) {
        return java.util.Arrays.stream(record.headers().toArray())
                .map((Header h) -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
                .collect(Collectors.joining(", "));
    }
}
