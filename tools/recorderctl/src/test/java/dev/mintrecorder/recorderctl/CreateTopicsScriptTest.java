package dev.mintrecorder.recorderctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code infra/kafka/create-topics.sh} run against stand-ins for the Kafka CLI ({@code KAFKA_BIN}): each stand-in
 * logs its arguments, and {@code kafka-features.sh describe} prints what a cluster at a given {@code share.version}
 * prints. The real CLI (kafka-tools) is not on Maven Central, so this checks the script's decisions, not the broker.
 */
class CreateTopicsScriptTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("../..").normalize();

    @TempDir
    Path bin;

    @Test
    void raisesShareVersionToTwoOnAClusterUpgradedFromAnOlderKafka() throws Exception {
        Result r = run(2, 1, Map.of());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.calls.contains("kafka-features.sh --bootstrap-server localhost:9092 upgrade --feature share.version=2"),
                r.calls.toString());
        assertTrue(r.output.contains("raising share.version from 1 to 2"), r.output);
    }

    @Test
    void leavesAClusterFormattedAtTheCurrentLevelAlone() throws Exception {
        Result r = run(2, 2, Map.of());
        assertEquals(0, r.exit, r.output);
        assertFalse(r.calls.stream().anyMatch(c -> c.contains(" upgrade ")), r.calls.toString());
        assertTrue(r.calls.stream().anyMatch(c -> c.startsWith("kafka-topics.sh ") && c.contains("--topic recording.jobs ")),
                r.calls.toString());
    }

    @Test
    void onABrokerWithoutTheDeadLetterTopicRaisesToOneAndWarns() throws Exception {
        Result r = run(1, 0, Map.of());
        assertEquals(0, r.exit, r.output);
        assertTrue(r.calls.contains("kafka-features.sh --bootstrap-server localhost:9092 upgrade --feature share.version=1"),
                r.calls.toString());
        assertTrue(r.output.contains("no broker dead-letter topic"), r.output);
    }

    @Test
    void failsOnABrokerWithoutShareGroups() throws Exception {
        Result r = run(0, 0, Map.of());
        assertEquals(1, r.exit, r.output);
        assertTrue(r.output.contains("this cluster has no share groups"), r.output);
        assertFalse(r.calls.stream().anyMatch(c -> c.startsWith("kafka-topics.sh ")), r.calls.toString());
    }

    @Test
    void passesTheWorkersKafkaSecurityVariablesToEveryCall() throws Exception {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"ops\" password=\"p\\q\";";
        Result r = run(2, 2, Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/ca.p12", "KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "KAFKA_SASL_JAAS_CONFIG", jaas));
        assertEquals(0, r.exit, r.output);
        assertFalse(r.calls.isEmpty());
        for (String call : r.calls) {
            assertTrue(call.matches("\\S+ --bootstrap-server localhost:9092 --command-config \\S+( .*)?"), call);
        }
        Properties seen = new Properties();
        try (Reader in = Files.newBufferedReader(bin.resolve("command-config.properties"))) {
            seen.load(in);
        }
        assertEquals(Map.of("security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/kafka/ca.p12",
                "ssl.truststore.password", "trust-pw", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", jaas),
                Map.copyOf(seen));
        assertFalse(r.output.contains("trust-pw"), r.output);
    }

    @Test
    void usesAClientPropertiesFileOfYourOwn() throws Exception {
        Path own = Files.writeString(bin.resolve("own.properties"), "security.protocol=SSL\n");
        Result r = run(2, 2, Map.of("KAFKA_COMMAND_CONFIG", own.toString()));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.calls.stream().allMatch(c -> (c + " ").contains(" --command-config " + own + " ")), r.calls.toString());
    }

    @Test
    void aPlainClusterGetsNoCommandConfig() throws Exception {
        Result r = run(2, 2, Map.of());
        assertTrue(r.calls.stream().noneMatch(c -> c.contains("--command-config")), r.calls.toString());
    }

    record Result(int exit, String output, List<String> calls) {
    }

    Result run(int supportedMax, int finalized, Map<String, String> env) throws IOException, InterruptedException {
        Path log = bin.resolve("calls.log");
        String describe = "Feature: share.version\\tSupportedMinVersion: 0\\tSupportedMaxVersion: " + supportedMax
                + "\\tFinalizedVersionLevel: " + finalized + "\\tEpoch: 7\\n"
                + "Feature: metadata.version\\tSupportedMinVersion: 3.3-IV3\\tSupportedMaxVersion: 4.4-IV2"
                + "\\tFinalizedVersionLevel: 4.4-IV2\\tEpoch: 7\\n";
        for (String tool : List.of("kafka-broker-api-versions.sh", "kafka-features.sh", "kafka-topics.sh",
                "kafka-configs.sh")) {
            String body = "#!/usr/bin/env bash\n"
                    + "printf '%s\\n' \"" + tool + " $*\" >> '" + log + "'\n"
                    // Keep a copy of the client properties: the script deletes a file it generated when it exits.
                    + "for ((i = 1; i <= $#; i++)); do if [ \"${!i}\" = --command-config ]; then j=$((i + 1)); "
                    + "cp \"${!j}\" '" + bin.resolve("command-config.properties") + "'; fi; done\n"
                    + (tool.equals("kafka-features.sh") ? "[[ \" $* \" == *' describe '* ]] && printf '" + describe + "'\n" : "")
                    + "exit 0\n";
            Path script = bin.resolve(tool);
            Files.writeString(script, body);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("infra/kafka/create-topics.sh").toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
        pb.environment().put("KAFKA_BIN", bin.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "create-topics.sh did not finish");
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Result(p.exitValue(), output, calls);
    }
}
