package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files that repeat what the contracts define, checked against the contracts: the topics the Kafka
 * init step creates ({@code infra/kafka}) and the job that docker-compose's demo enqueues with plain Kafka.
 * (scripts/validate-deploy checks the rest: schemas, worker variables, metrics.)
 */
class DeployFilesTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("../..").normalize();

    @Test
    void kafkaInitCreatesExactlyTheContractsTopics() throws IOException {
        Map<String, Topics.TopicSpec> file = new TreeMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("infra/kafka/topics.tsv"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            assertEquals(3, cols.length, "topics.tsv needs name, partitions, configs: " + line);
            Map<String, String> configs = cols[2].equals("-") ? Map.of() : Arrays.stream(cols[2].split(","))
                    .map(kv -> kv.split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
            file.put(cols[0], new Topics.TopicSpec(cols[0], Integer.parseInt(cols[1]), configs));
        }
        Map<String, Topics.TopicSpec> contracts = new TreeMap<>();
        Topics.all().forEach(t -> contracts.put(t.name(), t));
        assertEquals(contracts, file, "infra/kafka/topics.tsv differs from Topics.all()");
    }

    @Test
    void kafkaInitConfiguresTheWorkersShareGroup() throws IOException {
        String script = Files.readString(ROOT.resolve("infra/kafka/create-topics.sh"));
        assertTrue(script.contains("group=\"" + Topics.WORKER_SHARE_GROUP + "\""), "share group name");
        assertTrue(script.contains("broker_dlq=\"" + Topics.JOBS_BROKER_DLQ + "\""), "broker dead-letter topic");
        assertTrue(script.contains("share.auto.offset.reset=earliest"), "share.auto.offset.reset");
    }

    @Test
    void composeDemoEnqueuesAValidJobOnTheJobsTopic() throws IOException {
        String compose = Files.readString(ROOT.resolve("docker-compose.yml"));
        Matcher m = Pattern.compile("printf '%s\\|(\\{[^']*})\\\\n'").matcher(compose);
        assertTrue(m.find(), "enqueue-demo's printf template not found");
        assertTrue(compose.contains("--topic " + Topics.JOBS), "enqueue-demo writes to " + Topics.JOBS);
        UUID job = UUID.randomUUID();
        String mint = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr";
        String json = String.format(m.group(1), job, mint, Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"));

        RecordingJob decoded = Messages.decodeJob(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertEquals(job, decoded.jobId());
        assertEquals(mint, decoded.mintId().value());
        assertEquals(List.of(4, 600), List.of(decoded.segmentS(), decoded.maxDurationS()));
    }
}
