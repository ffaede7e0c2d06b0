package dev.mintrecorder.worker.events;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

class EventPublisherTest {

    /** Every delivery timeout KAFKA_DELIVERY_TIMEOUT allows must make a valid producer (no broker needed to build one). */
    @ParameterizedTest
    @ValueSource(longs = {5, 30, 31, 300, 3600})
    void everyAllowedDeliveryTimeoutMakesAValidProducer(long seconds) {
        assertDoesNotThrow(() -> new EventPublisher("127.0.0.1:9", "test", Duration.ofSeconds(seconds))
                .close(Duration.ZERO));
    }
}
