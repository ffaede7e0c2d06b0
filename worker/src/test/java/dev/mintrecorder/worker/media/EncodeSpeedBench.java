package dev.mintrecorder.worker.media;

import com.sun.management.OperatingSystemMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Encode speed at 720p with the production settings (veryfast, zerolatency, 2 s GOP, 2500 kbit/s): frames per
 * second of wall time and per CPU-second of the whole process (x264 runs its own threads). A measurement, not a
 * check: run it on purpose with {@code -Dbench=true -Dtest=EncodeSpeedBench}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class EncodeSpeedBench {
    @Test
    void encode720p() throws Exception {
        int fps = 30;
        int frames = Integer.getInteger("bench.frames", 900);
        var video = new SyntheticMedia.Video(frames, fps, i -> 720, i -> 0, 60);
        var audio = new SyntheticMedia.Audio(frames * 1_000_000_000L / fps, ts -> true);
        var settings = new EncodeSettings(720, fps, 6, 0, new MediaConfig("veryfast", 2500, 128, Duration.ofSeconds(2), 1));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        RoomEncoder enc = new RoomEncoder("bench", settings, video, audio, TestSegments.discard(),
                MediaListener.NONE);
        enc.start();
        await().atMost(Duration.ofMinutes(5)).until(() -> video.exhausted() && audio.exhausted()
                || enc.state() == RoomEncoder.State.FAILED);
        enc.close();
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        assertEquals(frames, enc.stats().framesEncoded());
        System.out.printf("720p30 veryfast: %d frames in %.2f s wall (%.0f fps), %.2f CPU-s (%.0f fps per core), "
                + "%d cores%n", frames, wall, frames / wall, cpu, frames / cpu, Runtime.getRuntime().availableProcessors());
    }
}
