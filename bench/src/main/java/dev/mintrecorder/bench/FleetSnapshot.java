package dev.mintrecorder.bench;

import java.util.List;

/**
 * What a {@link FleetChild} reports about itself, written to its stats file every few seconds and read by the
 * {@code fleet} scenario: each engine's state and each Kafka client's cumulative counters.
 *
 * @param atMillis when the snapshot was taken (epoch milliseconds)
 */
record FleetSnapshot(long atMillis, List<Engine> engines, List<ClientStat> clients) {

    /** One {@code JobEngine}: its worker id, readiness (and why not) and running recordings. */
    record Engine(String id, boolean ready, String reason, int active) {
    }

    /**
     * One Kafka client of the JVM, from its JMX metrics.
     *
     * @param kind {@code share} (a share consumer), {@code consumer}, {@code producer} or {@code admin}
     * @param recordBytes record bytes fetched so far ({@code bytes-consumed-total} or the share consumer's equivalent)
     * @param incomingBytes network bytes received so far ({@code incoming-byte-total})
     */
    record ClientStat(String clientId, String kind, long recordBytes, long incomingBytes) {
    }
}
