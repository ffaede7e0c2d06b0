package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * LiveKit connection, subscription and per-track queue settings.
 *
 * @param videoQueue the per-room video queue's bound (frames and bytes); see {@link BoundedFrameQueue} (the
 *                   recording creates the queues the room fills)
 * @param audioQueue the per-room audio queue's bound
 * @param tracksTimeout how long to wait for the target's tracks after joining (the server's own
 *                      "track not found" comes only after about 60 s)
 * @param targetLeftGrace how long the target may be gone before the recording ends
 * @param stallThreshold a gap between one track's frames longer than this is a stall
 * @param statsInterval how often receiver stats are read into metrics
 * @param tokenTtl the join token's lifetime; resumes use the server's refreshed token
 * @param reconnectTimeout how long resuming and rejoining may take in all before the recording fails
 */
public record RoomConfig(String livekitUrl, String apiKey, String apiSecret,
                         BoundedFrameQueue.Limits videoQueue, BoundedFrameQueue.Limits audioQueue,
                         Duration tracksTimeout, Duration targetLeftGrace, Duration stallThreshold,
                         Duration statsInterval, Duration tokenTtl, Duration reconnectTimeout) {
    static final Setting<String> LIVEKIT_URL = Setting.string("LIVEKIT_URL", "ws://localhost:7880",
            "LiveKit server URL (ws:// or wss://).");
    static final Setting<String> LIVEKIT_API_KEY = Setting.string("LIVEKIT_API_KEY", "devkey",
            "API key that signs the recorder's join tokens.");
    static final Setting<String> LIVEKIT_API_SECRET = Setting.secret("LIVEKIT_API_SECRET", "secret",
            "API secret that signs the recorder's join tokens. Never logged.");
    static final Setting<Integer> VIDEO_QUEUE_FRAMES = Setting.integer("ROOM_VIDEO_QUEUE_FRAMES", 60, 1, 10_000,
            "Decoded video frames a room may hold between the WebRTC sink and the encoder; the oldest is dropped beyond it.")
            .was("VIDEO_QUEUE_FRAMES");
    static final Setting<Long> VIDEO_QUEUE_BYTES = Setting.bytes("ROOM_VIDEO_QUEUE_BYTES", 48L << 20, 1L << 20, 4L << 30,
            "Bytes of decoded video a room may hold before the encoder (a 720p I420 frame is about 1.4 MB).")
            .was("VIDEO_QUEUE_BYTES");
    static final Setting<Integer> AUDIO_QUEUE_CHUNKS = Setting.integer("ROOM_AUDIO_QUEUE_CHUNKS", 500, 1, 100_000,
            "10 ms PCM chunks a room may hold before the encoder; the oldest is dropped beyond it.")
            .was("AUDIO_QUEUE_CHUNKS");
    static final Setting<Long> AUDIO_QUEUE_BYTES = Setting.bytes("ROOM_AUDIO_QUEUE_BYTES", 2L << 20, 64L << 10, 1L << 30,
            "Bytes of PCM a room may hold before the encoder.")
            .was("AUDIO_QUEUE_BYTES");
    static final Setting<Boolean> QUEUE_UNBOUNDED = Setting.flag("ROOM_QUEUE_UNBOUNDED", false,
            "Benchmark baseline only: the frame queues never drop, so memory grows with any encoder lag.")
            .was("QUEUE_UNBOUNDED");
    static final Setting<Duration> TRACKS_TIMEOUT = Setting.duration("ROOM_TRACKS_TIMEOUT", "15s",
            Duration.ofSeconds(1), Duration.ofMinutes(10), "How long to wait for the target's camera and microphone after joining.");
    static final Setting<Duration> TARGET_LEFT_GRACE = Setting.duration("ROOM_TARGET_LEFT_GRACE", "30s",
            Duration.ZERO, Duration.ofHours(1), "How long the target may be gone (left or unpublished) before the recording ends.");
    static final Setting<Duration> STALL_THRESHOLD = Setting.duration("ROOM_STALL_THRESHOLD", "3s",
            Duration.ofMillis(200), Duration.ofMinutes(5), "A gap between one track's frames longer than this is reported as a stall.");
    static final Setting<Duration> STATS_INTERVAL = Setting.duration("ROOM_STATS_INTERVAL", "5s",
            Duration.ofMillis(200), Duration.ofMinutes(5), "How often WebRTC receiver stats are read into metrics.");
    static final Setting<Duration> TOKEN_TTL = Setting.duration("ROOM_TOKEN_TTL", "10m",
            Duration.ofSeconds(30), Duration.ofHours(24), "Lifetime of the recorder's join token.");
    static final Setting<Duration> RECONNECT_TIMEOUT = Setting.duration("ROOM_RECONNECT_TIMEOUT", "60s",
            Duration.ofSeconds(1), Duration.ofMinutes(30), "How long resuming and rejoining a lost room may take before the recording fails.");

    public static final List<Setting<?>> SETTINGS = List.of(LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET,
            VIDEO_QUEUE_FRAMES, VIDEO_QUEUE_BYTES, AUDIO_QUEUE_CHUNKS, AUDIO_QUEUE_BYTES, QUEUE_UNBOUNDED,
            TRACKS_TIMEOUT, TARGET_LEFT_GRACE, STALL_THRESHOLD, STATS_INTERVAL, TOKEN_TTL, RECONNECT_TIMEOUT);

    public static RoomConfig from(Map<String, String> env) {
        boolean unbounded = QUEUE_UNBOUNDED.read(env);
        BoundedFrameQueue.Limits video = unbounded ? BoundedFrameQueue.Limits.unbounded()
                : BoundedFrameQueue.Limits.of(VIDEO_QUEUE_FRAMES.read(env), VIDEO_QUEUE_BYTES.read(env));
        BoundedFrameQueue.Limits audio = unbounded ? BoundedFrameQueue.Limits.unbounded()
                : BoundedFrameQueue.Limits.of(AUDIO_QUEUE_CHUNKS.read(env), AUDIO_QUEUE_BYTES.read(env));
        return new RoomConfig(LIVEKIT_URL.read(env), LIVEKIT_API_KEY.read(env), LIVEKIT_API_SECRET.read(env),
                video, audio, TRACKS_TIMEOUT.read(env), TARGET_LEFT_GRACE.read(env), STALL_THRESHOLD.read(env),
                STATS_INTERVAL.read(env), TOKEN_TTL.read(env), RECONNECT_TIMEOUT.read(env));
    }

    /** A copy that connects to {@code url} with {@code key}/{@code secret} (tests point it at the devstack). */
    public RoomConfig withServer(String url, String key, String secret) {
        return new RoomConfig(url, key, secret, videoQueue, audioQueue, tracksTimeout, targetLeftGrace,
                stallThreshold, statsInterval, tokenTtl, reconnectTimeout);
    }

    public RoomConfig withQueues(BoundedFrameQueue.Limits video, BoundedFrameQueue.Limits audio) {
        return new RoomConfig(livekitUrl, apiKey, apiSecret, video, audio, tracksTimeout, targetLeftGrace,
                stallThreshold, statsInterval, tokenTtl, reconnectTimeout);
    }

    public RoomConfig withTimeouts(Duration tracks, Duration targetGrace, Duration stall, Duration stats,
                                   Duration reconnect) {
        return new RoomConfig(livekitUrl, apiKey, apiSecret, videoQueue, audioQueue, tracks, targetGrace, stall, stats,
                tokenTtl, reconnect);
    }

    @Override
    public String toString() {
        return "RoomConfig[livekitUrl=" + livekitUrl + ", apiKey=" + apiKey + ", apiSecret=<redacted>, videoQueue="
                + videoQueue + ", audioQueue=" + audioQueue + ", tracksTimeout=" + tracksTimeout + ", targetLeftGrace="
                + targetLeftGrace + ", stallThreshold=" + stallThreshold + ", statsInterval=" + statsInterval
                + ", tokenTtl=" + tokenTtl + ", reconnectTimeout=" + reconnectTimeout + "]";
    }
}
