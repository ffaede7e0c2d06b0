package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StatusFeed;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.kafka.KafkaBroker;
import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import dev.mintrecorder.devstack.kafka.KafkaTls;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.memory.Admission;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker's Kafka clients over TLS, configured only through the worker's variables ({@link KafkaClientConfig}), on
 * the devstack broker's secure listeners (certificates made at test time with keytool, {@link KafkaTls}):
 *
 * <ul>
 *   <li>mutual TLS: a job engine takes a job and records it. That is every client the worker makes: the share
 *       consumers, the control and status followers (the engine is ready only once they have read their topics), the
 *       backlog probe's Admin, and the event producer (ACCEPTED);</li>
 *   <li>SASL_SSL with PLAIN: the producer and the Admin;</li>
 *   <li>a client without its certificate, or with a wrong password, is refused, so the listeners really check.</li>
 * </ul>
 * The test reads what the worker wrote through the broker's plain listener.
 */
class KafkaSecurityIT {
    private static Devstack stack;

    @BeforeAll
    static void startKafka() {
        stack = Devstack.start(DevstackOptions.forTests().only(Devstack.Component.KAFKA)
                .withKafka(KafkaBrokerOptions.fastForTests().withTls()));
    }

    @AfterAll
    static void stopKafka() {
        if (stack != null) {
            stack.close();
        }
    }

    /** The environment a worker gets for a Strimzi- or MSK-style mutual-TLS listener. */
    private static Map<String, String> mutualTlsEnv() {
        KafkaBroker kafka = stack.kafka();
        KafkaTls tls = kafka.tls();
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafka.sslBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", tls.clientTruststore().toString(),
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", tls.password(),
                "KAFKA_SSL_KEYSTORE_LOCATION", tls.clientKeystore().toString(),
                "KAFKA_SSL_KEYSTORE_TYPE", "PKCS12",
                "KAFKA_SSL_KEYSTORE_PASSWORD", tls.password(),
                "KAFKA_SSL_KEY_PASSWORD", tls.password());
    }

    @Test
    void theJobEngineRecordsAJobOverMutualTls() {
        KafkaClientConfig kafka = KafkaClientConfig.from(mutualTlsEnv());
        String workerId = "tls-it-" + UUID.randomUUID().toString().substring(0, 8);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        JobsConfig jobs = JobsConfig.from(Map.of("JOBS_MAX_ROOMS", "1", "JOBS_BACKLOG_INTERVAL", "1s"));
        // A producer of another service, configured with the same client properties.
        Map<String, Object> producerTls = new HashMap<>(kafka.clientProperties());
        producerTls.remove("bootstrap.servers");
        try (StatusFeed statusLog = StatusFeed.start(stack.kafkaBootstrap());
             JobEngine engine = new JobEngine(kafka, workerId, jobs, context -> new HeldSession(), registry,
                     Clock.systemUTC(), Admission.unlimited());
             RecordingJobs producer = RecordingJobs.connect(kafka.bootstrapServers(), producerTls)) {
            engine.start();
            await("the control and status views load over TLS").atMost(Duration.ofSeconds(60))
                    .until(engine::ready);
            UUID job = producer.start("KafkaTLS111111111111111111111111111111111",
                    StartOptions.DEFAULTS.withMaxDurationS(600));
            await("ACCEPTED, published over TLS").atMost(Duration.ofSeconds(60))
                    .until(() -> !statusLog.of(job, StatusEvent.Accepted.class).isEmpty());
            assertEquals(workerId, statusLog.of(job).get(0).workerId());
            await("the backlog, read with the Admin API over TLS").atMost(Duration.ofSeconds(30))
                    .until(() -> !Double.isNaN(registry.get("recorder.jobs.backlog").gauge().value()));
            assertEquals(1.0, registry.get("recorder.rooms.active").gauge().value());
        }
    }

    @Test
    void saslSslWithPlainCarriesEventsAndAdminCalls() throws Exception {
        KafkaBroker broker = stack.kafka();
        KafkaClientConfig kafka = KafkaClientConfig.from(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", broker.saslSslBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", broker.tls().clientTruststore().toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", broker.tls().password(),
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", broker.tls().plainJaasConfig("worker")));
        UUID job = UUID.randomUUID();
        StatusEvent accepted = new StatusEvent.Accepted(job, MintId.of("KafkaSASL11111111111111111111111111111111"),
                "sasl-it", Instant.now(), 1);
        try (StatusFeed statusLog = StatusFeed.start(stack.kafkaBootstrap());
             EventPublisher publisher = new EventPublisher(kafka, "sasl-it", Duration.ofSeconds(30));
             BacklogProbe probe = new BacklogProbe(kafka, "sasl-it-backlog", "mint-recorder-workers", "recording.jobs")) {
            publisher.status(accepted).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> !statusLog.of(job).isEmpty());
            assertInstanceOf(StatusEvent.Accepted.class, statusLog.of(job).get(0));
            probe.refresh();
            assertFalse(Double.isNaN(probe.backlog()), "the Admin API answered over SASL_SSL");
        }
    }

    @Test
    void theListenersRefuseClientsWithoutTheirCredentials() {
        Map<String, String> noCertificate = new HashMap<>(mutualTlsEnv());
        noCertificate.keySet().removeIf(k -> k.startsWith("KAFKA_SSL_KEY"));
        assertInstanceOf(SslAuthenticationException.class, describeCluster(KafkaClientConfig.from(noCertificate)));

        KafkaBroker broker = stack.kafka();
        KafkaClientConfig wrongPassword = KafkaClientConfig.from(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", broker.saslSslBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", broker.tls().clientTruststore().toString(),
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", broker.tls().password(),
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"worker\" password=\"not-the-password\";"));
        assertInstanceOf(SaslAuthenticationException.class, describeCluster(wrongPassword));
    }

    private static Throwable describeCluster(KafkaClientConfig kafka) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put("default.api.timeout.ms", 15_000);
        props.put("request.timeout.ms", 10_000);
        try (Admin admin = Admin.create(props)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() != null, e.toString());
            return e.getCause();
        }
    }

}
