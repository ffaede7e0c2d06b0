package dev.mintrecorder.worker.media;

import org.bytedeco.javacpp.Pointer;

import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;

/**
 * Run in a child JVM by {@link RoomEncoderLeakTest} with a fixed, pre-touched heap, so that RSS changes are native
 * memory. Encodes {@code frames} 640x360 frames with a gap every {@code perRun} frames (each gap tears the encoders
 * and muxer down and builds new ones) and prints {@code RSS <bytes>} at every segment close.
 */
public final class LeakProbe {
    public static void main(String[] args) throws Exception {
        int frames = Integer.parseInt(args[0]);
        int perRun = Integer.parseInt(args[1]);
        int fps = 30;
        long gap = 3_000_000_000L;
        var video = new SyntheticMedia.Video(frames, fps, i -> 360, i -> (i / perRun) * gap, 30);
        var audio = new SyntheticMedia.Audio(frames * 1_000_000_000L / fps + gap * (frames / perRun), ts -> true);
        List<Long> rss = new CopyOnWriteArrayList<>();
        MediaListener sampler = new MediaListener() {
            @Override
            public void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt,
                            Instant resumedAt) {
            }

            @Override
            public void failed(Throwable error) {
                error.printStackTrace();
            }
        };
        var settings = new EncodeSettings(360, fps, 2, 0, new MediaConfig("veryfast", 800, 96, Duration.ofSeconds(2), 1));
        SegmentOutput sampleAtClose = TestSegments.into(seq -> OutputStream.nullOutputStream(),
                done -> rss.add(Pointer.physicalBytes()));
        RoomEncoder enc = new RoomEncoder("leak", settings, video, audio, sampleAtClose, sampler);
        enc.start();
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(50)).until(() ->
                (video.exhausted() && audio.exhausted()) || enc.state() == RoomEncoder.State.FAILED);
        enc.close();
        if (enc.state() != RoomEncoder.State.STOPPED || enc.stats().framesEncoded() != frames || video.open.get() != 0) {
            System.out.println("FAILED " + enc.state() + " " + enc.stats() + " open=" + video.open.get());
            System.exit(1);
        }
        rss.forEach(b -> System.out.println("RSS " + b));
    }
}
