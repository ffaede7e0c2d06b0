package dev.mintrecorder.worker.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaClientConfigTest {

    @Test
    void plainByDefault() {
        KafkaClientConfig c = KafkaClientConfig.from(Map.of());
        assertEquals(Map.of("bootstrap.servers", "localhost:9092", "security.protocol", "PLAINTEXT"), c.clientProperties());
    }

    @Test
    void mutualTlsSetsTheStoresForEveryClient(@TempDir Path dir) throws IOException {
        Path trust = Files.writeString(dir.resolve("ca.p12"), "x");
        Path keys = Files.writeString(dir.resolve("worker.p12"), "x");
        KafkaClientConfig c = KafkaClientConfig.from(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "b-1.msk.example:9094",
                "KAFKA_SECURITY_PROTOCOL", "ssl",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", trust.toString(),
                "KAFKA_SSL_TRUSTSTORE_TYPE", "pkcs12",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", "trust-pw",
                "KAFKA_SSL_KEYSTORE_LOCATION", keys.toString(),
                "KAFKA_SSL_KEYSTORE_PASSWORD", "key-pw"));
        assertEquals(Map.of("bootstrap.servers", "b-1.msk.example:9094", "security.protocol", "SSL",
                "ssl.truststore.location", trust.toString(), "ssl.truststore.type", "PKCS12",
                "ssl.truststore.password", "trust-pw", "ssl.keystore.location", keys.toString(),
                "ssl.keystore.password", "key-pw"), c.clientProperties());
        assertFalse(c.toString().contains("trust-pw"), c.toString());
        assertFalse(c.toString().contains("key-pw"), c.toString());
    }

    @Test
    void saslSslWithScram() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"w\" password=\"p\";";
        KafkaClientConfig c = KafkaClientConfig.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "KAFKA_SASL_JAAS_CONFIG", jaas));
        assertEquals("SCRAM-SHA-512", c.clientProperties().get("sasl.mechanism"));
        assertEquals(jaas, c.clientProperties().get("sasl.jaas.config"));
        assertFalse(c.clientProperties().containsKey("ssl.truststore.location"), "the JVM's CAs");
        assertFalse(c.toString().contains("password=\"p\""), c.toString());
    }

    @Test
    void saslWithoutItsLoginNamesTheMissingVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN")));
        assertEquals("KAFKA_SASL_JAAS_CONFIG", e.variable());
    }

    @Test
    void aSettingTheProtocolDoesNotUseIsAnError(@TempDir Path dir) throws IOException {
        Path trust = Files.writeString(dir.resolve("ca.p12"), "x");
        ConfigException tls = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SSL_TRUSTSTORE_LOCATION", trust.toString())));
        assertEquals("KAFKA_SSL_TRUSTSTORE_LOCATION", tls.variable());
        ConfigException sasl = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SASL_MECHANISM", "PLAIN")));
        assertEquals("KAFKA_SASL_MECHANISM", sasl.variable());
    }

    @Test
    void unreadableStoresAndUnknownValuesAreRejectedAtStart(@TempDir Path dir) {
        ConfigException missing = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", dir.resolve("nope.p12").toString())));
        assertEquals("KAFKA_SSL_TRUSTSTORE_LOCATION", missing.variable());
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
        ConfigException protocol = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "TLS")));
        assertEquals("KAFKA_SECURITY_PROTOCOL", protocol.variable());
        ConfigException type = assertThrows(ConfigException.class, () -> KafkaClientConfig.from(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_SSL_TRUSTSTORE_TYPE", "P12")));
        assertEquals("KAFKA_SSL_TRUSTSTORE_TYPE", type.variable());
    }
}
