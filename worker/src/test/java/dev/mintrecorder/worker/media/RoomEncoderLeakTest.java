package dev.mintrecorder.worker.media;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every AVFrame, AVPacket, codec, muxer and callback is released: RSS stays flat over thousands of frames and
 * several runs. The probe runs in a child JVM whose heap is fixed and pre-touched ({@code -Xms=-Xmx},
 * {@code AlwaysPreTouch}), so heap growth cannot pass for a leak or hide one. The short version; the 5-minute
 * real-time 720p check belongs to the integration tests.
 */
class RoomEncoderLeakTest {
    private static final long MB = 1024 * 1024;

    @Test
    void rssStaysFlatOverThousandsOfFramesAndSeveralRuns() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LeakProbe.class.getName(), "6000", "1500")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        List<Long> rss = out.lines().filter(s -> s.startsWith("RSS "))
                .map(s -> Long.parseLong(s.substring(4).strip())).toList();
        int n = rss.size();
        assertTrue(n >= 90, "segments: " + n);
        // Warm-up: the first run (25 segments). Compare the second run's level with the last run's.
        long warm = median(rss.subList(n / 4 + 2, n / 4 + 7));
        long end = median(rss.subList(n - 5, n));
        System.out.printf("RSS after warm-up %d MB, at end %d MB, over %d segments%n", warm / MB, end / MB, n);
        assertTrue(end - warm < 20 * MB, "RSS grew " + (end - warm) / MB + " MB: " + rss);
    }

    private static long median(List<Long> xs) {
        return xs.stream().sorted().toList().get(xs.size() / 2);
    }
}
