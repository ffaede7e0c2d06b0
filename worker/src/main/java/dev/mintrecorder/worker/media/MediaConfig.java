package dev.mintrecorder.worker.media;

import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Encoder settings shared by every recording on this worker; the per-job parts are in {@link EncodeSettings}. */
public record MediaConfig(String videoPreset, int videoBitrateKbps, int audioBitrateKbps, Duration gapThreshold,
                          int videoThreads) {
    /** {@link #videoThreads} for x264's own choice: with zerolatency's sliced threads, one per CPU it sees. */
    static final int THREADS_AUTO = 0;

    static final Setting<String> VIDEO_PRESET = new Setting<>("VIDEO_PRESET", "superfast",
            "an x264 preset (ultrafast ... veryslow)",
            "libx264 preset: slower presets cost CPU per room for better quality per bit. Default: the fastest preset "
                    + "with luma SSIM >= 0.95 at 2500 kbit/s on a realistic 720p30 scene (bench/results/quality.md).", false, s -> switch (s) {
                case "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow" -> s;
                default -> throw new IllegalArgumentException(s);
            });
    static final Setting<Integer> VIDEO_BITRATE_KBPS = Setting.integer("VIDEO_BITRATE_KBPS", 2500, 100, 20_000,
            "H.264 target (and VBV maximum) bitrate in kbit/s.");
    static final Setting<Integer> AUDIO_BITRATE_KBPS = Setting.integer("AUDIO_BITRATE_KBPS", 128, 32, 320,
            "AAC bitrate in kbit/s.");
    static final Setting<Duration> MEDIA_GAP_THRESHOLD = Setting.duration("MEDIA_GAP_THRESHOLD", "2s",
            Duration.ofMillis(500), Duration.ofMinutes(5),
            "No video for longer than this is recorded as a gap: the run's last segment closes, and the next one "
                    + "starts after an #EXT-X-DISCONTINUITY.");

    static final Setting<Integer> VIDEO_ENCODER_THREADS = new Setting<>("VIDEO_ENCODER_THREADS", "1",
            "auto, or an integer in [1, 16]",
            "x264 threads per recording (with zerolatency, each thread encodes a slice of every frame). Default 1: "
                    + "a worker runs many encoders on few cores, where more threads buy no throughput; 1 costs the same "
                    + "CPU per frame as auto on 2 cores and 8 threads cost 8% more, and auto follows the CPUs x264 sees "
                    + "(a container's host), not the worker's share (bench/results/threads.md). Raise it only for a few "
                    + "large rooms (1080p at a slow preset) on many cores.", false,
            MediaConfig::parseThreads);

    public static final List<Setting<?>> SETTINGS =
            List.of(VIDEO_PRESET, VIDEO_BITRATE_KBPS, VIDEO_ENCODER_THREADS, AUDIO_BITRATE_KBPS, MEDIA_GAP_THRESHOLD);

    public static MediaConfig from(Map<String, String> env) {
        return new MediaConfig(VIDEO_PRESET.read(env), VIDEO_BITRATE_KBPS.read(env), AUDIO_BITRATE_KBPS.read(env),
                MEDIA_GAP_THRESHOLD.read(env), VIDEO_ENCODER_THREADS.read(env));
    }

    /** {@code auto} is {@link #THREADS_AUTO}; otherwise a thread count in [1, 16]. */
    static int parseThreads(String s) {
        if (s.equalsIgnoreCase("auto")) {
            return THREADS_AUTO;
        }
        int n = Integer.parseInt(s);
        if (n < 1 || n > 16) {
            throw new IllegalArgumentException(s);
        }
        return n;
    }
}
