package dev.mintrecorder.worker.media;

import dev.mintrecorder.worker.ops.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MediaConfigTest {
    @Test
    void encoderThreadsDefaultToOneAndAutoMapsToLibx264sAuto() {
        assertEquals(1, MediaConfig.from(Map.of()).videoThreads());
        assertEquals(MediaConfig.THREADS_AUTO, MediaConfig.from(Map.of("VIDEO_ENCODER_THREADS", "auto")).videoThreads());
        assertEquals(MediaConfig.THREADS_AUTO, MediaConfig.from(Map.of("VIDEO_ENCODER_THREADS", "AUTO")).videoThreads());
        assertEquals(4, MediaConfig.from(Map.of("VIDEO_ENCODER_THREADS", " 4 ")).videoThreads());
    }

    @Test
    void encoderThreadsOutsideOneToSixteenAreRejected() {
        for (String bad : new String[] {"0", "17", "-1", "two"}) {
            assertThrows(ConfigException.class, () -> MediaConfig.from(Map.of("VIDEO_ENCODER_THREADS", bad)), bad);
        }
    }
}
