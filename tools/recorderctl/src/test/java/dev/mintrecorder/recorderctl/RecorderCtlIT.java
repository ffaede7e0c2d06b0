package dev.mintrecorder.recorderctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.Message;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.VideoCap;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.Ports;
import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import dev.mintrecorder.devstack.kafka.KafkaTls;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** recorderctl against a real Kafka broker (the devstack's, Kafka only), run in-process through picocli. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecorderCtlIT {
    private Devstack stack;
    private KafkaProducer<String, byte[]> producer;

    @BeforeAll
    void startKafka() {
        // With TLS listeners too, for --command-config (the other tests use the plain one).
        stack = Devstack.start(DevstackOptions.forTests().only(Devstack.Component.KAFKA)
                .withKafka(KafkaBrokerOptions.fastForTests().withTls()));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void startPutsAValidJobKeyedByMintOnTheJobsTopic() {
        String mint = Mints.random();
        Run run = ctl("start", mint, "--room", "room-1", "--target", "streamer", "--max-duration", "600",
                "--segment", "4", "--max-height", "480", "--fps", "15", "--quiet");

        assertEquals(0, run.code(), run.err());
        UUID jobId = UUID.fromString(run.out().strip());
        RecordingJob job = Messages.decodeJob(onlyRecordFor(Topics.JOBS, mint).value());
        assertEquals(jobId, job.jobId());
        assertEquals("room-1", job.room());
        assertEquals("streamer", job.targetIdentity());
        assertEquals(600, job.maxDurationS());
        assertEquals(4, job.segmentS());
        assertEquals(new VideoCap(480, 15), job.video());
        assertEquals(1, job.attempt());
    }

    @Test
    void startAndStatusOverMutualTlsWithACommandConfig(@TempDir Path dir) throws IOException {
        KafkaTls tls = stack.kafka().tls();
        Path config = dir.resolve("client.properties");
        Properties p = new Properties();
        p.setProperty("security.protocol", "SSL");
        p.setProperty("ssl.truststore.location", tls.clientTruststore().toString());
        p.setProperty("ssl.truststore.password", tls.password());
        p.setProperty("ssl.keystore.location", tls.clientKeystore().toString());
        p.setProperty("ssl.keystore.password", tls.password());
        p.setProperty("ssl.key.password", tls.password());
        try (Writer out = Files.newBufferedWriter(config)) {
            p.store(out, null);
        }
        String mint = Mints.random();
        String ssl = stack.kafka().sslBootstrapServers();
        Run start = ctl("start", mint, "--quiet", "--bootstrap", ssl, "--command-config", config.toString());
        assertEquals(0, start.code(), start.err());
        UUID jobId = UUID.fromString(start.out().strip());
        assertEquals(jobId, Messages.decodeJob(onlyRecordFor(Topics.JOBS, mint).value()).jobId());

        produce(Topics.STATUS, mint, new StatusEvent.Accepted(jobId, MintId.of(mint), "worker-tls", Instant.now(), 1));
        Run status = ctl("status", mint, "--bootstrap", ssl, "--command-config", config.toString());
        assertEquals(0, status.code(), status.err());
        assertTrue(status.out().contains("ACCEPTED"), status.out());

        // Without its certificate the client is refused: the listener really wants mutual TLS.
        p.remove("ssl.keystore.location");
        p.remove("ssl.keystore.password");
        p.remove("ssl.key.password");
        try (Writer out = Files.newBufferedWriter(config)) {
            p.store(out, null);
        }
        Run refused = ctl("status", mint, "--bootstrap", ssl, "--command-config", config.toString(), "--timeout", "5s");
        assertTrue(refused.code() != 0, refused.out());
    }

    @Test
    void stopPutsAStopCommandForAnyJobOrOne() {
        String mint = Mints.random();
        UUID job = UUID.randomUUID();

        assertEquals(0, ctl("stop", mint).code());
        assertEquals(0, ctl("stop", mint, "--job", job.toString(), "--reason", "stream ended").code());

        List<StopCommand> stops = recordsFor(Topics.CONTROL, mint).stream()
                .map(r -> Messages.decodeStop(r.value())).toList();
        assertEquals(2, stops.size());
        assertEquals(StopCommand.JobSelector.ANY, stops.get(0).jobId());
        assertEquals("stopped by recorderctl", stops.get(0).reason());
        assertEquals(StopCommand.JobSelector.of(job), stops.get(1).jobId());
        assertEquals("stream ended", stops.get(1).reason());
    }

    @Test
    void statusShowsOnlyThatMintsEventsAndSummarisesHeartbeats() {
        MintId mint = MintId.of(Mints.random());
        MintId other = MintId.of(Mints.random());
        UUID job = UUID.randomUUID();
        Instant t = Instant.now().minusSeconds(30);
        produce(Topics.STATUS, mint.value(), new StatusEvent.Accepted(job, mint, "worker-a", t, 1));
        produce(Topics.STATUS, other.value(), new StatusEvent.Accepted(UUID.randomUUID(), other, "worker-b", t, 1));
        produce(Topics.STATUS, mint.value(), new StatusEvent.Joined(job, mint, "worker-a", t.plusSeconds(1), 1));
        produce(Topics.STATUS, mint.value(), new StatusEvent.Segment(job, mint, "worker-a", t.plusSeconds(7), 1,
                0, "recordings/" + mint + "/" + job + "/seg_000000.ts", 1_500_000, 6.0, 2));
        produce(Topics.STATUS, mint.value(), new StatusEvent.Heartbeat(job, mint, "worker-a", t.plusSeconds(8), 1));

        Run run = ctl("status", mint.value());

        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(4, lines.size(), run.out());
        assertTrue(lines.get(0).contains("ACCEPTED") && lines.get(0).contains("worker=worker-a"), run.out());
        assertTrue(lines.get(1).contains("JOINED"), run.out());
        assertTrue(lines.get(2).contains("SEGMENT") && lines.get(2).contains("seq=0")
                && lines.get(2).contains("dropped=2") && lines.get(2).contains("bytes=1.4 MiB"), run.out());
        assertTrue(lines.get(3).startsWith("last heartbeat") && lines.get(3).contains(job.toString()), run.out());
        assertFalse(run.out().contains("worker-b"), run.out());

        Run json = ctl("status", mint.value(), "--json", "--limit", "1");
        JsonNode last = parse(json.out().strip());
        assertEquals("SEGMENT", last.path("value").path("type").asText(), json.out());
        assertEquals(mint.value(), last.path("key").asText());

        Run none = ctl("status", Mints.random());
        assertEquals(Exit.FAILED, none.code());
        assertTrue(none.err().contains("no status events for mint"), none.err());
    }

    @Test
    void statusShowsTheFinishedRecordingFromTheTerminalEvent() {
        MintId mint = MintId.of(Mints.random());
        UUID job = UUID.randomUUID();
        Instant t = Instant.now().minusSeconds(60);
        StatusEvent.Recording recording = new StatusEvent.Recording("recordings", S3Keys.playlist(mint, job),
                S3Keys.manifest(mint, job), t, t.plusSeconds(31), 29.9, 5, 769_108, 0, 1, 1200, 0, 1);
        produce(Topics.STATUS, mint.value(), new StatusEvent.Accepted(job, mint, "worker-a", t, 1));
        produce(Topics.STATUS, mint.value(), new StatusEvent.Stopped(job, mint, "worker-a", t.plusSeconds(31), 1,
                StatusEvent.EndCode.MAX_DURATION, "max_duration", recording));

        Run run = ctl("status", mint.value());

        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(3, lines.size(), run.out());
        assertTrue(lines.get(1).contains("STOPPED") && lines.get(1).contains("code=MAX_DURATION reason=max_duration"),
                run.out());
        assertEquals("    recording s3://recordings/" + S3Keys.playlist(mint, job) + " duration=29.9s segments=5"
                + " bytes=751.1 KiB dropped=0 gaps=1 (1200ms) resumes=0 attempts=1 started=" + t + " ended="
                + t.plusSeconds(31), lines.get(2));
    }

    @Test
    void dlqListShowsReasonsAndReplayReproducesTheRawJob() {
        MintId mint = MintId.of(Mints.random());
        RecordingJob job = new RecordingJob(UUID.randomUUID(), mint, null, null, 600, 6, null, Instant.now(), 1);
        byte[] valid = Messages.encode(job);
        byte[] invalid = "{\"schema\":1,\"mint_id\":\"0OIl\"".getBytes(StandardCharsets.UTF_8);
        long validAt = produce(Topics.JOBS_DLQ, mint.value(), new DlqRecord(valid, "worker could not record it",
                new DlqRecord.Source(Topics.JOBS, 2, 41), Instant.now())).offset();
        long invalidAt = produce(Topics.JOBS_DLQ, "garbage", new DlqRecord(invalid, "malformed JSON at line 1 column 31",
                new DlqRecord.Source(Topics.JOBS, 3, 7), Instant.now())).offset();

        Run list = ctl("dlq", "list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("offset=" + validAt) && list.out().contains("worker could not record it")
                && list.out().contains("source=recording.jobs-2@41"), list.out());
        assertTrue(list.out().contains("offset=" + invalidAt) && list.out().contains("malformed JSON"), list.out());

        Run replay = ctl("dlq", "replay", Long.toString(validAt));
        assertEquals(0, replay.code(), replay.err());
        ConsumerRecord<String, byte[]> replayed = onlyRecordFor(Topics.JOBS, mint.value());
        assertTrue(Arrays.equals(valid, replayed.value()), "replayed bytes differ from the dead-lettered ones");
        assertEquals(Topics.JOBS_DLQ + "-0@" + validAt, new String(replayed.headers()
                .lastHeader(DlqCommand.ReplayCommand.REPLAYED_FROM_HEADER).value(), StandardCharsets.UTF_8));

        Run stillInvalid = ctl("dlq", "replay", Long.toString(invalidAt));
        assertEquals(Exit.FAILED, stillInvalid.code());
        assertTrue(stillInvalid.err().contains("still invalid: malformed JSON"), stillInvalid.err());
        assertTrue(recordsFor(Topics.JOBS, "garbage").isEmpty(), "an invalid job was replayed without --force");

        Run missing = ctl("dlq", "replay", "999999");
        assertEquals(Exit.FAILED, missing.code());
        assertTrue(missing.err().contains("no record at " + Topics.JOBS_DLQ + "-0@999999"), missing.err());

        // The broker's copy of the rejected record (KIP-1191 headers) is shown with the worker's reason.
        ProducerRecord<String, byte[]> copy = new ProducerRecord<>(Topics.JOBS_BROKER_DLQ, "garbage", invalid);
        copy.headers().add("__dlq.errors.topic", Topics.JOBS.getBytes(StandardCharsets.UTF_8))
                .add("__dlq.errors.partition", "3".getBytes(StandardCharsets.UTF_8))
                .add("__dlq.errors.offset", "7".getBytes(StandardCharsets.UTF_8))
                .add("__dlq.errors.message", "Offset rejected by client.".getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(copy).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Run broker = ctl("dlq", "list", "--broker");
        assertEquals(0, broker.code(), broker.err());
        assertTrue(broker.out().contains("source=recording.jobs-3@7")
                && broker.out().contains("reason: malformed JSON at line 1 column 31 (worker); topic=recording.jobs"),
                broker.out());
    }

    @Test
    void tailFollowsStatusAndAlarmsAsTheyArrive() throws Exception {
        MintId mint = MintId.of(Mints.random());
        UUID job = UUID.randomUUID();
        Run run;
        try (ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Run> tail = runner.submit(() -> ctl("tail", "--count", "4"));
            // The tail seeks to the end when it attaches; keep events coming until it has shown four.
            AtomicInteger n = new AtomicInteger();
            ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
            feeder.scheduleWithFixedDelay(() -> {
                if (n.getAndIncrement() % 2 == 0) {
                    produce(Topics.STATUS, mint.value(), new StatusEvent.Accepted(job, mint, "worker-t", Instant.now(), 1));
                } else {
                    produce(Topics.ALARMS, "worker-t", alarm("worker-t"));
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            try {
                await().atMost(Duration.ofSeconds(30)).until(tail::isDone);
            } finally {
                feeder.shutdownNow();
                feeder.awaitTermination(5, TimeUnit.SECONDS);
            }
            run = tail.get();
        }
        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(4, lines.size(), run.out());
        assertTrue(lines.stream().allMatch(l -> l.contains("ACCEPTED") && l.contains("mint=" + mint)
                || l.contains("ALARM WARN") && l.contains("worker=worker-t")), run.out());
        assertTrue(lines.stream().anyMatch(l -> l.contains("ALARM WARN")), run.out());

        Run json = ctl("tail", "--json", "--from-beginning", "--count", "1");
        assertEquals(0, json.code(), json.err());
        JsonNode line = parse(json.out().strip());
        assertTrue(Stream.of(Topics.STATUS, Topics.ALARMS).anyMatch(line.path("topic").asText()::equals), json.out());
        assertEquals(1, line.path("value").path("schema").asInt(), json.out());
    }

    @Test
    void badInputFailsWithTheContractsReasonBeforeAnyKafkaCall() {
        Run badMint = ctl("start", "0OIl" + Mints.random().substring(4), "--bootstrap", "127.0.0.1:1");
        assertEquals(Exit.USAGE, badMint.code());
        assertTrue(badMint.err().contains("invalid input: invalid mint_id: character '0' at index 0 is not base58"),
                badMint.err());
        assertEquals("", badMint.out());

        Run badSegment = ctl("start", Mints.random(), "--segment", "30", "--max-duration", "20", "--bootstrap", "127.0.0.1:1");
        assertEquals(Exit.USAGE, badSegment.code());
        assertTrue(badSegment.err().contains("invalid segment_s: 30 exceeds max_duration_s 20"), badSegment.err());

        Run badOption = ctl("start", Mints.random(), "--fps", "many");
        assertEquals(Exit.USAGE, badOption.code());
        assertTrue(badOption.err().contains("--fps"), badOption.err());
    }

    @Test
    void unreachableBrokerFailsFastWithAClearMessage() {
        String nowhere = Ports.LOOPBACK + ":" + Ports.freeLoopbackPort();
        long t0 = System.nanoTime();
        Run run = runCtl("start", Mints.random(), "--bootstrap", nowhere, "--timeout", "2s");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertEquals(Exit.UNREACHABLE, run.code(), run.err());
        assertTrue(run.err().startsWith("recorderctl: cannot reach Kafka at " + nowhere + " within 2 s: "), run.err());
        assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took);

        Run status = runCtl("dlq", "list", "--bootstrap", nowhere, "--timeout", "2s");
        assertEquals(Exit.UNREACHABLE, status.code(), status.err());
    }

    // --- helpers ---

    private record Run(int code, String out, String err) {}

    /** Runs recorderctl against the devstack's broker. */
    private Run ctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--bootstrap")) {
            all.addAll(List.of("--bootstrap", stack.kafkaBootstrap()));
        }
        return runCtl(all.toArray(String[]::new));
    }

    private static Run runCtl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = RecorderCtl.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private RecordMetadata produce(String topic, String key, Message value) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, Messages.encode(value))).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + topic, e);
        }
    }

    private List<ConsumerRecord<String, byte[]>> recordsFor(String topic, String key) {
        KafkaOptions kafka = new KafkaOptions();
        kafka.bootstrap = stack.kafkaBootstrap();
        kafka.timeout = Duration.ofSeconds(10);
        try (KafkaConsumer<String, byte[]> consumer = kafka.consumer()) {
            List<TopicPartition> partitions = kafka.partitions(consumer, topic);
            Map<TopicPartition, Long> from = consumer.beginningOffsets(partitions);
            return Records.readToEnd(consumer, from, kafka).stream().filter(r -> key.equals(r.key())).toList();
        }
    }

    private ConsumerRecord<String, byte[]> onlyRecordFor(String topic, String key) {
        List<ConsumerRecord<String, byte[]>> records = recordsFor(topic, key);
        assertEquals(1, records.size(), "records for " + key + " on " + topic);
        return records.getFirst();
    }

    private static MemoryAlarm alarm(String worker) {
        return new MemoryAlarm(worker, MemoryAlarm.Level.WARN, 900L << 20, 200L << 20,
                new MemoryAlarm.NativeMemory(300L << 20, 10L << 20), 1L << 30, List.of(),
                List.of(MemoryAlarm.Action.ALARM_ONLY), Instant.now());
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

}
