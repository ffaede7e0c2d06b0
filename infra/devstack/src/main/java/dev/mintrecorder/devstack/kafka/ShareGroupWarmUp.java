package dev.mintrecorder.devstack.kafka;

import dev.mintrecorder.contracts.Topics;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Takes one throwaway record through the workers' share group on {@code recording.jobs}.
 *
 * <p>Observed on a fresh 4.4.0 broker: records acquired in the first second of a brand-new share partition lost their
 * locks at the first renewal ({@code InvalidRecordStateException}) and were redelivered. The worker copes (it hands
 * the job over and another slot resumes it), but tests that count attempts exactly want a settled partition.
 */
public final class ShareGroupWarmUp {
    private ShareGroupWarmUp() {}

    public static void run(String bootstrapServers) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(
                     Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                             ConsumerConfig.GROUP_ID_CONFIG, Topics.WORKER_SHARE_GROUP,
                             ConsumerConfig.CLIENT_ID_CONFIG, "devstack-warm-up",
                             ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            producer.send(new ProducerRecord<>(Topics.JOBS, new byte[0],
                    "warm-up".getBytes(StandardCharsets.UTF_8))).get();
            consumer.subscribe(List.of(Topics.JOBS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean settled = false;
            while (!settled) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("share group warm-up: no record acquired within 30 s");
                }
                var records = consumer.poll(Duration.ofMillis(500));
                records.forEach(r -> consumer.acknowledge(r, AcknowledgeType.ACCEPT));
                consumer.commitSync();
                settled = !records.isEmpty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("share group warm-up interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("share group warm-up failed", e);
        }
    }
}
