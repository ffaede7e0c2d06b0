package dev.mintrecorder.devstack.kafka;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;

class KafkaBrokerOptionsTest {
    @Test
    void rejectsWhatTheBrokerWouldRefuse() {
        Duration hb = Duration.ofMillis(500);
        Duration session = Duration.ofSeconds(3);
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaBrokerOptions(Duration.ofMillis(999), hb, session, 3, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaBrokerOptions(Duration.ofSeconds(2), session, hb, 3, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaBrokerOptions(Duration.ofSeconds(2), hb, session, 1, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new KafkaBrokerOptions(Duration.ofSeconds(2), hb, session, 11, Map.of()));
    }
}
