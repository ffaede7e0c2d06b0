package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.ops.Setting;

import java.util.List;
import java.util.Map;

/** LiveKit connection settings. */
public record RoomConfig(String livekitUrl, String apiKey, String apiSecret) {
    static final Setting<String> LIVEKIT_URL = Setting.string("LIVEKIT_URL", "ws://localhost:7880",
            "LiveKit server URL (ws:// or wss://).");
    static final Setting<String> LIVEKIT_API_KEY = Setting.string("LIVEKIT_API_KEY", "devkey",
            "API key that signs the recorder's join tokens.");
    static final Setting<String> LIVEKIT_API_SECRET = Setting.secret("LIVEKIT_API_SECRET", "secret",
            "API secret that signs the recorder's join tokens. Never logged.");

    public static final List<Setting<?>> SETTINGS = List.of(LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET);

    public static RoomConfig from(Map<String, String> env) {
        return new RoomConfig(LIVEKIT_URL.read(env), LIVEKIT_API_KEY.read(env), LIVEKIT_API_SECRET.read(env));
    }

    @Override
    public String toString() {
        return "RoomConfig[livekitUrl=" + livekitUrl + ", apiKey=" + apiKey + ", apiSecret=<redacted>]";
    }
}
