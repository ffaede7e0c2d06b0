package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.RecordingJobs;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Where Kafka is and how long to wait for it, shared by every command (a picocli mixin), and the clients built from
 * that. Every client gets the same short timeouts, so an unreachable broker fails in about {@code --timeout} with
 * {@link Exit#UNREACHABLE} rather than hanging for the Kafka defaults (a minute or more).
 */
final class KafkaOptions {
    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS, else localhost:9092; now ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = Durations.class,
            description = "How long to wait for Kafka before giving up (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties for TLS or SASL (security.protocol, ssl.*, sasl.*), as the Kafka "
                    + "CLI's --command-config; over the worker's KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_* and KAFKA_SASL_* "
                    + "variables, which are read too.")
    Path commandConfig;

    /**
     * The worker's Kafka security variables (README.md, "Configuration"; declared in the worker's KafkaClientConfig)
     * and the client property each sets. recorderctl reads the same ones, so one environment serves both;
     * KafkaOptionsTest keeps this list equal to the README's.
     */
    static final Map<String, String> SECURITY_VARIABLES = orderedPairs(
            "KAFKA_SECURITY_PROTOCOL", "security.protocol",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "ssl.truststore.location",
            "KAFKA_SSL_TRUSTSTORE_TYPE", "ssl.truststore.type",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD", "ssl.truststore.password",
            "KAFKA_SSL_KEYSTORE_LOCATION", "ssl.keystore.location",
            "KAFKA_SSL_KEYSTORE_TYPE", "ssl.keystore.type",
            "KAFKA_SSL_KEYSTORE_PASSWORD", "ssl.keystore.password",
            "KAFKA_SSL_KEY_PASSWORD", "ssl.key.password",
            "KAFKA_SASL_MECHANISM", "sasl.mechanism",
            "KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config");

    /**
     * The security properties of every client: the variables that are set in {@code env}, then the properties of
     * {@code commandConfig} (if any) over them.
     */
    static Map<String, Object> security(Map<String, String> env, Path commandConfig) {
        Map<String, Object> props = new HashMap<>();
        SECURITY_VARIABLES.forEach((variable, property) -> {
            String value = env.get(variable);
            if (value != null && !value.isBlank()) {
                props.put(property, value.strip());
            }
        });
        if (commandConfig != null) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(commandConfig)) {
                file.load(in);
            } catch (IOException e) {
                throw new CtlException(Exit.USAGE, "cannot read --command-config " + commandConfig + ": " + e);
            }
            file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
        }
        return props;
    }

    /** Fails with {@link Exit#UNREACHABLE} unless a broker answers within the timeout. */
    void checkReachable() {
        Map<String, Object> config = common();
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs());
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) {
            throw unreachable(e); // e.g. "No resolvable bootstrap urls"
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs()))
                    .clusterId().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unreachable(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CtlException(Exit.FAILED, "interrupted");
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    /** The contracts' producer client, with this tool's timeouts instead of its 30 s. */
    RecordingJobs jobs() {
        Map<String, Object> overrides = new HashMap<>(security(System.getenv(), commandConfig));
        overrides.putAll(producerTimeouts());
        return RecordingJobs.connect(bootstrap, overrides);
    }

    /** A plain producer for raw bytes (DLQ replay): idempotent, acks=all, like {@link RecordingJobs}. */
    KafkaProducer<String, byte[]> rawProducer() {
        Map<String, Object> config = common();
        config.putAll(producerTimeouts());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** A consumer with no group: commands assign partitions and seek themselves, and commit nothing. */
    KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> config = common();
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The topic's partitions, or a clear error if the topic does not exist. */
    List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new CtlException(Exit.FAILED, "topic " + topic + " does not exist on " + bootstrap
                    + " (create the topics with infra/kafka/create-topics.sh)");
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    /** Maps a Kafka failure met mid-command to the tool's errors: a timeout means Kafka is unreachable. */
    CtlException failure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return unreachable(t);
            }
        }
        return new CtlException(Exit.FAILED, "Kafka error at " + bootstrap + ": " + rootMessage(e));
    }

    CtlException unreachable(Throwable cause) {
        return new CtlException(Exit.UNREACHABLE, "cannot reach Kafka at " + bootstrap + " within " + timeout.toSeconds()
                + " s: " + rootMessage(cause));
    }

    private Map<String, Object> common() {
        Map<String, Object> config = new HashMap<>(security(System.getenv(), commandConfig));
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, "recorderctl");
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs());
        // Give up on a dead address quickly instead of backing off for up to a second between tries.
        config.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(timeoutMs(), 5_000));
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, timeoutMs());
        return config;
    }

    private Map<String, Object> producerTimeouts() {
        int ms = timeoutMs();
        return Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "recorderctl",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, ms,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
                // One record per call: no batching delay, so the delivery timeout may equal the request timeout.
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    }

    private int timeoutMs() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    private static Map<String, String> orderedPairs(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }
}
