package dev.mintrecorder.devstack.room;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * How a {@link RoomServer} runs.
 *
 * @param bindAddress      address of the HTTP/WebSocket listener; defaults to {@code MINT_NETNS_ADDR} (the test
 *                         namespace's veth address) when set, else 127.0.0.1
 * @param port             0 picks a free port
 * @param apiKey           the JWT issuer ({@code iss}) accepted
 * @param apiSecret        the HS256 secret
 * @param createRoomsOnJoin true (the default, as livekit-server's {@code room.auto_create}): a join for an unknown
 *                         room creates it; false: unknown rooms answer 404 (livekit-server with auto_create off,
 *                         {@code pkg/service/utils.go ValidateConnectRequest}). Rooms can always be made with
 *                         {@link RoomServer#createRoom} or {@code PUT /admin/rooms/{room}}
 * @param traceSignals     keep every SignalRequest per participant for differential tests
 * @param timeouts         livekit-server's timers (resume window, offer timeout, departure timeout, token refresh)
 */
public record RoomServerOptions(String bindAddress, int port, String apiKey, String apiSecret,
                                boolean createRoomsOnJoin, boolean traceSignals, Timeouts timeouts) {

    /**
     * @param resumeWindow     how long a participant whose signal socket dropped stays resumable
     * @param offerTimeout     a subscriber offer unanswered this long forces a full reconnect (livekit-server: 15 s)
     * @param departureTimeout a room whose last visible participant left closes after this with ROOM_CLOSED (20 s);
     *                         hidden participants (recorders) do not keep a room alive
     * @param refreshToken     how often a fresh token is sent as {@code refresh_token} (also at join and at each
     *                         resume); zero turns it off
     * @param joinTimeout      a participant whose peer connection has not connected this long after joining is
     *                         removed with Leave JOIN_FAILURE (livekit-server: a minute, {@code pkg/rtc/room.go Join})
     * @param trackNotFound    a subscription to an unknown track sid is answered SE_TRACK_NOTFOUND after this
     *                         (livekit-server's {@code notFoundTimeout}, a minute, {@code pkg/rtc/subscriptionmanager.go})
     */
    public record Timeouts(Duration resumeWindow, Duration offerTimeout, Duration departureTimeout, Duration refreshToken,
                           Duration joinTimeout, Duration trackNotFound) {
        public static Timeouts livekit() {
            return new Timeouts(Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(20),
                    Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1));
        }

        public Timeouts withJoinTimeout(Duration timeout) {
            return new Timeouts(resumeWindow, offerTimeout, departureTimeout, refreshToken, timeout, trackNotFound);
        }

        public Timeouts withTrackNotFound(Duration timeout) {
            return new Timeouts(resumeWindow, offerTimeout, departureTimeout, refreshToken, joinTimeout, timeout);
        }
    }

    public RoomServerOptions {
        if (apiKey == null || apiKey.isBlank() || apiSecret == null || apiSecret.length() < 32) {
            throw new IllegalArgumentException("apiKey must be set and apiSecret at least 32 characters");
        }
    }

    /** A loopback server with a fresh random secret, rooms created on join, livekit-server's timers, no trace. */
    public static RoomServerOptions defaults() {
        String netns = System.getenv("MINT_NETNS_ADDR");
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        return new RoomServerOptions(netns == null || netns.isBlank() ? "127.0.0.1" : netns, 0, "devkey",
                HexFormat.of().formatHex(secret), true, false, Timeouts.livekit());
    }

    public RoomServerOptions withCreateRoomsOnJoin(boolean create) {
        return new RoomServerOptions(bindAddress, port, apiKey, apiSecret, create, traceSignals, timeouts);
    }

    public RoomServerOptions withTraceSignals(boolean trace) {
        return new RoomServerOptions(bindAddress, port, apiKey, apiSecret, createRoomsOnJoin, trace, timeouts);
    }

    public RoomServerOptions withCredentials(String key, String secret) {
        return new RoomServerOptions(bindAddress, port, key, secret, createRoomsOnJoin, traceSignals, timeouts);
    }

    public RoomServerOptions withTimeouts(Timeouts newTimeouts) {
        return new RoomServerOptions(bindAddress, port, apiKey, apiSecret, createRoomsOnJoin, traceSignals, newTimeouts);
    }

    public RoomServerOptions withPort(int newPort) {
        return new RoomServerOptions(bindAddress, newPort, apiKey, apiSecret, createRoomsOnJoin, traceSignals, timeouts);
    }
}
