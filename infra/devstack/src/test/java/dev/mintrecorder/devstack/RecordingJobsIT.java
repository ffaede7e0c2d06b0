package dev.mintrecorder.devstack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.devstack.junit.WithDevstack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The producer client other services use, against the devstack's real broker. */
@WithDevstack(Devstack.Component.KAFKA)
class RecordingJobsIT {
    private static final String MINT = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private static Devstack stack;
    private static RecordingJobs jobs;

    @BeforeAll
    static void connect(Devstack devstack) {
        stack = devstack;
        jobs = RecordingJobs.connect(stack.kafkaBootstrap());
    }

    @AfterAll
    static void close() {
        if (jobs != null) {
            jobs.close();
        }
    }

    /** Everything on {@code topic} so far, read from the beginning with a plain (non-group) consumer. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
            await().atMost(DEADLINE).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= expected;
            });
            return seen;
        }
    }

    @Test
    void startAndStopLandKeyedByMintAndDecode() {
        UUID jobId = jobs.start(MINT, StartOptions.DEFAULTS.withSegmentS(4).withTarget("streamer"));
        jobs.stop(MINT, jobId, "stream ended");
        jobs.stop(MINT, "token delisted");

        List<ConsumerRecord<String, byte[]>> started = readAll(Topics.JOBS, 1);
        ConsumerRecord<String, byte[]> startRecord = started.stream()
                .filter(r -> Messages.decodeJob(r.value()).jobId().equals(jobId))
                .findFirst()
                .orElseThrow();
        assertEquals(MINT, startRecord.key());
        RecordingJob job = Messages.decodeJob(startRecord.value());
        assertEquals(4, job.segmentS());
        assertEquals("streamer", job.targetIdentity());
        assertEquals(MINT, job.room());
        assertEquals(1, job.attempt());

        List<ConsumerRecord<String, byte[]>> control = readAll(Topics.CONTROL, 2);
        control.forEach(r -> assertEquals(MINT, r.key()));
        // Same key, so both commands for the mint are on one partition, in the order they were sent.
        assertEquals(1, control.stream().map(ConsumerRecord::partition).distinct().count());
        List<StopCommand> stops = control.stream().map(r -> Messages.decodeStop(r.value())).toList();
        assertEquals(StopCommand.JobSelector.of(jobId), stops.get(0).jobId());
        assertEquals("stream ended", stops.get(0).reason());
        assertEquals(StopCommand.JobSelector.ANY, stops.get(1).jobId());
        assertEquals("token delisted", stops.get(1).reason());
    }
}
