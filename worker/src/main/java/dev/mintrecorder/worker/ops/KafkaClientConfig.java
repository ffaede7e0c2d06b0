package dev.mintrecorder.worker.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where Kafka is and how to reach it securely: the settings every Kafka client of the worker starts from (the event
 * producer, the share consumers, the control and status followers, the backlog probe's Admin).
 *
 * <p>Managed clusters need TLS, SASL or both: MSK (TLS, SASL/SCRAM), Confluent Cloud (SASL_SSL with PLAIN), Strimzi
 * (TLS, mutual TLS or SCRAM). Each variable maps to one Kafka client property; unset ones are left to Kafka's defaults
 * (for example the JVM's trusted CAs when no trust store is given, and host name verification on).
 *
 * @param bootstrapServers {@code bootstrap.servers}
 * @param security the security properties that are set ({@code security.protocol} always), by Kafka property name
 */
public record KafkaClientConfig(String bootstrapServers, Map<String, String> security) {

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> STORE_TYPES = Set.of("JKS", "PKCS12", "PEM");

    static final Setting<String> KAFKA_BOOTSTRAP_SERVERS = Setting.string("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092",
            "Kafka bootstrap servers (host:port,...).");
    static final Setting<String> KAFKA_SECURITY_PROTOCOL = new Setting<>("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT",
            "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
            "How every Kafka client of the worker connects (security.protocol): TLS with SSL and SASL_SSL, a SASL "
                    + "login with SASL_PLAINTEXT and SASL_SSL.", false,
            s -> oneOf(s.toUpperCase(Locale.ROOT), PROTOCOLS));
    static final Setting<String> KAFKA_SSL_TRUSTSTORE_LOCATION = Setting.string("KAFKA_SSL_TRUSTSTORE_LOCATION", "",
            "File of the CA certificates that sign the brokers' (ssl.truststore.location). Empty: the JVM's trusted CAs.");
    static final Setting<String> KAFKA_SSL_TRUSTSTORE_TYPE = new Setting<>("KAFKA_SSL_TRUSTSTORE_TYPE", "",
            "JKS, PKCS12 or PEM", "Format of the trust store (ssl.truststore.type). Empty: Kafka's default, JKS, "
                    + "which reads PKCS12 files too.", false, KafkaClientConfig::storeType);
    static final Setting<String> KAFKA_SSL_TRUSTSTORE_PASSWORD = Setting.secret("KAFKA_SSL_TRUSTSTORE_PASSWORD", "",
            "Password of the trust store (ssl.truststore.password; none for PEM). Never logged.");
    static final Setting<String> KAFKA_SSL_KEYSTORE_LOCATION = Setting.string("KAFKA_SSL_KEYSTORE_LOCATION", "",
            "The worker's own certificate and key, for brokers that require client certificates (mutual TLS; "
                    + "ssl.keystore.location). Empty: none.");
    static final Setting<String> KAFKA_SSL_KEYSTORE_TYPE = new Setting<>("KAFKA_SSL_KEYSTORE_TYPE", "",
            "JKS, PKCS12 or PEM", "Format of the key store (ssl.keystore.type). Empty: Kafka's default, JKS, which "
                    + "reads PKCS12 files too.", false, KafkaClientConfig::storeType);
    static final Setting<String> KAFKA_SSL_KEYSTORE_PASSWORD = Setting.secret("KAFKA_SSL_KEYSTORE_PASSWORD", "",
            "Password of the key store (ssl.keystore.password). Never logged.");
    static final Setting<String> KAFKA_SSL_KEY_PASSWORD = Setting.secret("KAFKA_SSL_KEY_PASSWORD", "",
            "Password of the private key in the key store, if it differs from the store's (ssl.key.password). "
                    + "Never logged.");
    static final Setting<String> KAFKA_SASL_MECHANISM = Setting.string("KAFKA_SASL_MECHANISM", "",
            "SASL mechanism (sasl.mechanism): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, GSSAPI. "
                    + "Empty: Kafka's default, GSSAPI.");
    static final Setting<String> KAFKA_SASL_JAAS_CONFIG = Setting.secret("KAFKA_SASL_JAAS_CONFIG", "",
            "The SASL login (sasl.jaas.config), e.g. org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"worker\" password=\"...\"; — required with SASL unless the mechanism is GSSAPI. "
                    + "Never logged.");

    /** Every Kafka variable, in the order the README lists them. */
    public static final List<Setting<?>> SETTINGS = List.of(KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL,
            KAFKA_SSL_TRUSTSTORE_LOCATION, KAFKA_SSL_TRUSTSTORE_TYPE, KAFKA_SSL_TRUSTSTORE_PASSWORD,
            KAFKA_SSL_KEYSTORE_LOCATION, KAFKA_SSL_KEYSTORE_TYPE, KAFKA_SSL_KEYSTORE_PASSWORD, KAFKA_SSL_KEY_PASSWORD,
            KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG);

    /** The TLS settings, each with its Kafka client property. */
    private static final Map<Setting<String>, String> SSL_PROPERTIES = ordered(
            KAFKA_SSL_TRUSTSTORE_LOCATION, "ssl.truststore.location",
            KAFKA_SSL_TRUSTSTORE_TYPE, "ssl.truststore.type",
            KAFKA_SSL_TRUSTSTORE_PASSWORD, "ssl.truststore.password",
            KAFKA_SSL_KEYSTORE_LOCATION, "ssl.keystore.location",
            KAFKA_SSL_KEYSTORE_TYPE, "ssl.keystore.type",
            KAFKA_SSL_KEYSTORE_PASSWORD, "ssl.keystore.password",
            KAFKA_SSL_KEY_PASSWORD, "ssl.key.password");
    /** The SASL settings, each with its Kafka client property. */
    private static final Map<Setting<String>, String> SASL_PROPERTIES = ordered(
            KAFKA_SASL_MECHANISM, "sasl.mechanism",
            KAFKA_SASL_JAAS_CONFIG, "sasl.jaas.config");
    /** Properties whose values are credentials: never in {@link #toString()}. */
    private static final Set<String> SECRET_PROPERTIES = Set.of("ssl.truststore.password", "ssl.keystore.password",
            "ssl.key.password", "sasl.jaas.config");

    public KafkaClientConfig {
        security = Map.copyOf(security);
    }

    /** Plain connections to {@code bootstrapServers}: the devstack, and tests. */
    public static KafkaClientConfig plaintext(String bootstrapServers) {
        return new KafkaClientConfig(bootstrapServers, Map.of("security.protocol", "PLAINTEXT"));
    }

    /**
     * Reads and checks the Kafka variables: a store file must be readable, TLS settings need a TLS protocol and SASL
     * settings a SASL one, and SASL other than GSSAPI needs its login.
     */
    public static KafkaClientConfig from(Map<String, String> env) {
        String protocol = KAFKA_SECURITY_PROTOCOL.read(env);
        boolean tls = protocol.endsWith("SSL");
        boolean sasl = protocol.startsWith("SASL_");
        Map<String, String> security = new LinkedHashMap<>();
        security.put("security.protocol", protocol);
        collect(env, SSL_PROPERTIES, tls, protocol, security);
        collect(env, SASL_PROPERTIES, sasl, protocol, security);
        for (Setting<String> store : List.of(KAFKA_SSL_TRUSTSTORE_LOCATION, KAFKA_SSL_KEYSTORE_LOCATION)) {
            String file = store.read(env);
            if (!file.isEmpty() && !Files.isReadable(Path.of(file))) {
                throw new ConfigException(store.name(), "names " + file + ", which cannot be read");
            }
        }
        if (sasl && !security.containsKey("sasl.jaas.config")
                && !"GSSAPI".equals(security.getOrDefault("sasl.mechanism", "GSSAPI"))) {
            throw new ConfigException(KAFKA_SASL_JAAS_CONFIG.name(),
                    "is required with KAFKA_SASL_MECHANISM=" + security.get("sasl.mechanism"));
        }
        return new KafkaClientConfig(KAFKA_BOOTSTRAP_SERVERS.read(env), security);
    }

    /** {@code bootstrap.servers} and the security properties: what every Kafka client of the worker starts from. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>(security);
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** The protocol, {@code PLAINTEXT} to {@code SASL_SSL}. */
    public String securityProtocol() {
        return security.getOrDefault("security.protocol", "PLAINTEXT");
    }

    @Override
    public String toString() {
        List<String> shown = new ArrayList<>();
        security.forEach((k, v) -> shown.add(k + "=" + (SECRET_PROPERTIES.contains(k) ? "<redacted>" : v)));
        return "KafkaClientConfig[bootstrapServers=" + bootstrapServers + ", " + String.join(", ", shown) + "]";
    }

    private static void collect(Map<String, String> env, Map<Setting<String>, String> settings, boolean applies,
                                String protocol, Map<String, String> into) {
        settings.forEach((setting, property) -> {
            String value = setting.read(env);
            if (value.isEmpty()) {
                return;
            }
            if (!applies) {
                throw new ConfigException(setting.name(), "is set, but KAFKA_SECURITY_PROTOCOL=" + protocol
                        + " does not use it");
            }
            into.put(property, value);
        });
    }

    private static String storeType(String s) {
        return s.isEmpty() ? s : oneOf(s.toUpperCase(Locale.ROOT), STORE_TYPES);
    }

    private static String oneOf(String value, Set<String> allowed) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException(value);
        }
        return value;
    }

    private static Map<Setting<String>, String> ordered(Object... pairs) {
        Map<Setting<String>, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            Setting<String> s = (Setting<String>) pairs[i];
            m.put(s, (String) pairs[i + 1]);
        }
        return m;
    }
}
