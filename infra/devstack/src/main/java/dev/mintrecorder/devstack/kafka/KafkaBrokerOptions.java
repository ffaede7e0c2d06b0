package dev.mintrecorder.devstack.kafka;

import java.time.Duration;
import java.util.Map;

/**
 * Broker timings. Tests shorten the share-group lock and liveness timings so that lock expiry and
 * member eviction happen within seconds; the broker floors ({@code group.share.min.*}) are lowered with them.
 *
 * @param recordLockDuration {@code group.share.record.lock.duration.ms}; Kafka accepts 1 s at the least
 * @param heartbeatInterval {@code group.share.heartbeat.interval.ms}, the share consumers' heartbeat
 * @param sessionTimeout {@code group.share.session.timeout.ms}, after which a silent member is evicted
 * @param deliveryCountLimit {@code group.share.delivery.count.limit} (2–10): deliveries before a record is archived
 * @param extraBrokerProperties any further broker properties, applied last
 * @param tls whether the broker also listens with TLS: an SSL listener that requires client certificates and a
 *            SASL_SSL listener with SASL/PLAIN, on loopback ports of their own ({@link KafkaTls})
 */
public record KafkaBrokerOptions(Duration recordLockDuration, Duration heartbeatInterval, Duration sessionTimeout,
                                 int deliveryCountLimit, Map<String, String> extraBrokerProperties, boolean tls) {

    /** Plain listeners only. */
    public KafkaBrokerOptions(Duration recordLockDuration, Duration heartbeatInterval, Duration sessionTimeout,
                              int deliveryCountLimit, Map<String, String> extraBrokerProperties) {
        this(recordLockDuration, heartbeatInterval, sessionTimeout, deliveryCountLimit, extraBrokerProperties, false);
    }

    public KafkaBrokerOptions {
        if (recordLockDuration.toMillis() < 1000) {
            throw new IllegalArgumentException("recordLockDuration must be at least 1 s, was " + recordLockDuration);
        }
        if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
            throw new IllegalArgumentException("heartbeatInterval must be shorter than sessionTimeout");
        }
        if (deliveryCountLimit < 2 || deliveryCountLimit > 10) {
            throw new IllegalArgumentException("deliveryCountLimit must be 2..10, was " + deliveryCountLimit);
        }
        extraBrokerProperties = Map.copyOf(extraBrokerProperties);
    }

    /** Kafka's own defaults: 30 s lock, 5 s heartbeat, 45 s session, 5 deliveries. */
    public static KafkaBrokerOptions defaults() {
        return new KafkaBrokerOptions(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(45), 5, Map.of());
    }

    /** Short timings for tests: 2 s lock, 500 ms heartbeat, 3 s session, 3 deliveries. */
    public static KafkaBrokerOptions fastForTests() {
        return new KafkaBrokerOptions(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(3), 3, Map.of());
    }

    public KafkaBrokerOptions withRecordLockDuration(Duration d) {
        return new KafkaBrokerOptions(d, heartbeatInterval, sessionTimeout, deliveryCountLimit, extraBrokerProperties, tls);
    }

    public KafkaBrokerOptions withDeliveryCountLimit(int limit) {
        return new KafkaBrokerOptions(recordLockDuration, heartbeatInterval, sessionTimeout, limit, extraBrokerProperties,
                tls);
    }

    public KafkaBrokerOptions withExtraBrokerProperties(Map<String, String> props) {
        return new KafkaBrokerOptions(recordLockDuration, heartbeatInterval, sessionTimeout, deliveryCountLimit, props, tls);
    }

    /** Also an SSL listener (mutual TLS) and a SASL_SSL listener (PLAIN), with certificates made for this broker. */
    public KafkaBrokerOptions withTls() {
        return new KafkaBrokerOptions(recordLockDuration, heartbeatInterval, sessionTimeout, deliveryCountLimit,
                extraBrokerProperties, true);
    }
}
