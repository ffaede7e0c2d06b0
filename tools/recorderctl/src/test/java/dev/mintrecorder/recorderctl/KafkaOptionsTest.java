package dev.mintrecorder.recorderctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KafkaOptionsTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).resolve("../..").normalize();

    /** recorderctl reads exactly the worker's Kafka security variables: one environment configures both. */
    @Test
    void readsTheWorkersKafkaSecurityVariables() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String table = readme.substring(readme.indexOf("<!-- config-table:start"), readme.indexOf("<!-- config-table:end"));
        List<String> worker = new ArrayList<>();
        Matcher m = Pattern.compile("^\\| `(KAFKA_(?:SECURITY|SSL|SASL)_[A-Z_]+)` \\|", Pattern.MULTILINE).matcher(table);
        while (m.find()) {
            worker.add(m.group(1));
        }
        assertEquals(worker, List.copyOf(KafkaOptions.SECURITY_VARIABLES.keySet()),
                "the worker's Kafka security variables (README.md) and recorderctl's");
    }

    @Test
    void variablesThenTheCommandConfigFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("client.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ops" password="p";
                """);
        Map<String, String> env = Map.of("KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/ca.p12", "KAFKA_SSL_KEY_PASSWORD", " ", "PATH", "/bin");
        assertEquals(Map.of("security.protocol", "SSL", "ssl.truststore.location", "/etc/kafka/ca.p12"),
                KafkaOptions.security(env, null));
        assertEquals(Map.of("security.protocol", "SASL_SSL", "ssl.truststore.location", "/etc/kafka/ca.p12",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"ops\" password=\"p\";"),
                KafkaOptions.security(env, file));
    }
}
