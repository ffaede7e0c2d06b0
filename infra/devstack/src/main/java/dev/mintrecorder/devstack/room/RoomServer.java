package dev.mintrecorder.devstack.room;

import dev.mintrecorder.devstack.DevstackComponent;
import dev.mintrecorder.devstack.media.MediaProcess;
import dev.mintrecorder.devstack.media.VideoSent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import livekit.LivekitModels;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc;
import livekit.LivekitRtc.SignalRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devstack's LiveKit-protocol room server: a test double for the SFU that speaks signal protocol v0 with
 * livekit's own protobuf classes, so the worker's client (and LiveKit's official SDKs) can join it.
 *
 * <p>HTTP surface:
 * <ul>
 *   <li>{@code /rtc} WebSocket (binary protobuf), token in {@code access_token} or {@code Authorization: Bearer};
 *       a refused join is an HTTP error before any upgrade, as livekit-server's ({@code pkg/service/rtcservice.go}):
 *       401 (bad token, no join grant), 400 (no identity or room) or 404 (unknown room, when rooms are not created
 *       on join);</li>
 *   <li>{@code GET /rtc/validate}: the same checks, 200 "success" or the status with a plain-text reason;</li>
 *   <li>{@code /rtc/v1} and {@code /rtc/v1/validate}: 404, so official SDKs fall back to v0;</li>
 *   <li>CORS headers for every origin on all of these ({@link Cors});</li>
 *   <li>admin ({@code /admin/...}, loopback test tooling, no auth): {@code PUT /admin/rooms/{room}} (query
 *       {@code publisher}=identity or {@code none}, {@code width}, {@code height}, {@code fps}),
 *       {@code DELETE /admin/rooms/{room}} (ROOM_DELETED), and {@code POST /admin/rooms/{room}/{fault}} with fault one of
 *       {@code end}, {@code kill-signal}, {@code drop-media}, {@code remove-participant} (query {@code identity}),
 *       {@code stall}, {@code unstall}, {@code remove-target}, {@code republish}, {@code resolution} (query
 *       {@code width}, {@code height}); {@code POST /admin/refuse-resume?on=true|false}.</li>
 * </ul>
 *
 * <p>All WebRTC lives in a child process ({@link MediaProcess}); {@link #close()} stops Jetty, ends the rooms and
 * then the child, in that order.
 */
public final class RoomServer implements DevstackComponent {
    private static final Logger log = LoggerFactory.getLogger(RoomServer.class);

    private final RoomServerOptions options;
    private final TokenVerifier tokens;
    private final MediaProcess media;
    private final ScheduledExecutorService timers;
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final Server jetty;
    private volatile boolean refuseResume;
    private volatile Room.Network network = Room.Network.NONE;
    private volatile boolean signalSilenced;
    private int port;

    private RoomServer(RoomServerOptions options, MediaProcess media) {
        this.options = options;
        this.tokens = new TokenVerifier(options.apiKey(), options.apiSecret());
        this.media = media;
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("room-timers").factory());
        this.jetty = new Server();
    }

    /** Starts the media child process and the HTTP/WebSocket listener. */
    public static RoomServer start(RoomServerOptions options) {
        MediaProcess media = MediaProcess.start(Duration.ofSeconds(30));
        RoomServer server = new RoomServer(options, media);
        try {
            server.startJetty();
        } catch (Exception e) {
            server.close();
            throw new IllegalStateException("room server failed to start", e);
        }
        log.info("room server on {} (media pid {})", server.url(), media.pid());
        return server;
    }

    private void startJetty() throws Exception {
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(options.bindAddress());
        connector.setPort(options.port());
        jetty.addConnector(connector);
        WebSocketUpgradeHandler websocket = WebSocketUpgradeHandler.from(jetty, container -> {
            container.setIdleTimeout(Duration.ofSeconds(60));
            container.setMaxBinaryMessageSize(1 << 20);
            container.addMapping("/rtc", (request, response, callback) -> {
                try {
                    return new SignalEndpoint(checkJoin(request, true), this);
                } catch (JoinRejected e) {
                    log.info("refused /rtc upgrade: {} {}", e.status(), e.getMessage());
                    plain(response, e.status(), e.getMessage(), callback);
                    return null;
                }
            });
        });
        websocket.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return route(request, response, callback);
            }
        });
        jetty.setHandler(new Cors(websocket));
        jetty.start();
        port = connector.getLocalPort();
    }

    // ---- Java API for tests and the devstack ----------------------------------------------------------------

    /** The signal URL clients join, e.g. {@code ws://127.0.0.2:41234}. */
    public String url() {
        return "ws://" + options.bindAddress() + ":" + port;
    }

    /** The same listener over HTTP (validate and admin routes). */
    public String httpUrl() {
        return "http://" + options.bindAddress() + ":" + port;
    }

    /** The worker's env vars for this server: {@code LIVEKIT_URL}, {@code LIVEKIT_API_KEY}, {@code LIVEKIT_API_SECRET}. */
    @Override
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LIVEKIT_URL", url());
        env.put("LIVEKIT_API_KEY", apiKey());
        env.put("LIVEKIT_API_SECRET", apiSecret());
        return env;
    }

    public String apiKey() {
        return options.apiKey();
    }

    public String apiSecret() {
        return options.apiSecret();
    }

    /** The media child's pid, for tests that check it dies with the server. */
    public long mediaPid() {
        return media.pid();
    }

    /**
     * What the video senders of {@code identity}'s subscriber connections in {@code room} did with their frames, one
     * entry per connection once it has closed (the participant left, or its media was dropped), oldest first. The
     * devstack re-encodes relayed tracks per subscriber, so frames into a source but not encoded are its own skips.
     */
    public List<VideoSent> videoSent(String room, String identity) {
        return media.videoSent(room, identity);
    }

    /** Creates a room, with a synthetic publisher unless {@code publisher} is null. */
    public void createRoom(String name, SyntheticPublisherSpec publisher) {
        Room room = newRoom(name);
        if (rooms.putIfAbsent(name, room) != null) {
            throw new IllegalStateException("room " + name + " exists");
        }
        if (publisher != null) {
            room.startPublisher(publisher);
        }
    }

    public boolean hasRoom(String name) {
        return rooms.containsKey(name);
    }

    /** Identities present in a room, the synthetic publisher included (hidden ones too: this is test tooling). */
    public List<String> participants(String room) {
        return room(room).identities();
    }

    /** Ends a room as livekit-server does when it empties: Leave ROOM_CLOSED to everyone. */
    public void endRoom(String name) {
        closeRoom(name, DisconnectReason.ROOM_CLOSED);
    }

    /** Deletes a room as RoomService.DeleteRoom does: Leave ROOM_DELETED to everyone. */
    public void deleteRoom(String name) {
        closeRoom(name, DisconnectReason.ROOM_DELETED);
    }

    /** Drops a participant's signal TCP connection without a close frame; the session stays resumable. */
    public void killSignal(String room, String identity) {
        room(room).killSignal(identity);
    }

    /**
     * The media path breaks for good: the participant's subscriber connection closes, resumes are still accepted
     * (ReconnectResponse), but no ICE restart gets through, as when a client's new network blocks the SFU's UDP.
     * Only a full rejoin brings media back.
     */
    public void breakMedia(String room, String identity) {
        room(room).breakMedia(identity);
    }

    /** Closes a participant's subscriber peer connection (ICE and media stop); a later resume is refused. */
    public void dropMedia(String room, String identity) {
        room(room).dropMedia(identity);
    }

    /** The synthetic publisher stops (true) or restarts (false) sending video and audio; frame numbers keep counting. */
    public void stallMedia(String room, boolean stalled) {
        room(room).stallMedia(stalled);
    }

    /**
     * While {@code error} is non-null, every subscription in the room is answered with {@code subscription_response}
     * carrying it (SE_TRACK_NOTFOUND, SE_CODEC_UNSUPPORTED), as livekit-server does for one it cannot serve; null
     * serves them again.
     */
    public void refuseSubscriptions(String room, LivekitModels.SubscriptionError error) {
        room(room).refuseSubscriptions(error);
    }

    /** The synthetic publisher leaves: ParticipantUpdate with state DISCONNECTED. */
    public void removeTarget(String room) {
        room(room).removePublisher();
    }

    /** The synthetic publisher unpublishes its tracks and publishes new ones (new track sids). */
    public void republish(String room) {
        room(room).republish();
    }

    /** The synthetic publisher switches resolution (e.g. 1920×1080); subscribers keep their chosen layer. */
    public void publishResolution(String room, int width, int height) {
        room(room).publishResolution(width, height);
    }

    /** Removes a joined participant: Leave PARTICIPANT_REMOVED. */
    public void removeParticipant(String room, String identity) {
        room(room).removeParticipant(identity);
    }

    /** While on, every resume gets Leave with action RECONNECT. */
    public void refuseResume(boolean refuse) {
        this.refuseResume = refuse;
    }

    boolean resumeRefused() {
        return refuseResume;
    }

    /**
     * The STUN/TURN servers and client configuration that every JoinResponse and ReconnectResponse carries from now
     * on, as livekit-server sends its configured ICE servers and TURN ({@code rtc.ice_servers}, {@code turn}) and
     * {@code client_configuration} ({@code force_relay}, {@code resume_connection}). None by default.
     */
    public void network(List<LivekitRtc.ICEServer> iceServers, LivekitModels.ClientConfiguration clientConfiguration) {
        this.network = new Room.Network(List.copyOf(iceServers), clientConfiguration);
    }

    Room.Network network() {
        return network;
    }

    /**
     * While on, no signal socket sends anything (no join, reconnect, pong or update); requests are still read. A hung
     * server or a black-holed path, for the clients' first-message and ping_timeout watchdogs.
     */
    public void silenceSignal(boolean silenced) {
        this.signalSilenced = silenced;
    }

    boolean signalSilenced() {
        return signalSilenced;
    }

    /** Every SignalRequest the participant sent, when {@link RoomServerOptions#traceSignals()} is on. */
    public List<SignalRequest> signalTrace(String room, String identity) {
        return room(room).trace(identity);
    }

    private Room newRoom(String name) {
        return new Room(name, media, options, timers, tokens, departed -> rooms.remove(departed.name, departed));
    }

    private Room room(String name) {
        Room room = rooms.get(name);
        if (room == null) {
            throw new IllegalArgumentException("no room " + name);
        }
        return room;
    }

    private void closeRoom(String name, DisconnectReason reason) {
        Room room = rooms.remove(name);
        if (room == null) {
            throw new IllegalArgumentException("no room " + name);
        }
        room.close(reason);
    }

    // ---- HTTP -----------------------------------------------------------------------------------------------

    /**
     * livekit-server's checks before any upgrade ({@code pkg/service/rtcservice.go validateInternal}); only a join
     * ({@code create}) makes an unknown room, validate just says whether it could.
     */
    private SignalEndpoint.Join checkJoin(Request request, boolean create) throws JoinRejected {
        Fields query = Request.extractQueryParameters(request);
        String token = query.getValue("access_token");
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if ((token == null || token.isEmpty()) && authorization != null && authorization.startsWith("Bearer ")) {
            token = authorization.substring("Bearer ".length()).trim();
        }
        JoinGrant grant = tokens.verify(token);
        Room room = rooms.get(grant.room());
        boolean exists = room != null && !room.isClosed();
        if (!exists && !options.createRoomsOnJoin()) {
            throw new JoinRejected(404, "room not found: " + grant.room());
        }
        if (!exists && create) {
            room = rooms.compute(grant.room(), (name, current) -> current == null || current.isClosed()
                    ? newRoom(name) : current);
        }
        return new SignalEndpoint.Join(room, grant, parseInt(query.getValue("protocol")),
                flag(query.getValue("auto_subscribe"), true), flag(query.getValue("reconnect"), false));
    }

    /** livekit-server's query booleans: true only for "1" or "true"; absent gives the default. */
    static boolean flag(String value, boolean absent) {
        if (value == null) {
            return absent;
        }
        return value.equals("1") || value.equalsIgnoreCase("true");
    }

    private static int parseInt(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private boolean route(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (path.equals("/rtc/validate")) {
                checkJoin(request, false);
                return plain(response, 200, "success", callback);
            }
            if (path.startsWith("/rtc/v1") || path.equals("/rtc")) {
                // Only v0 over WebSocket is spoken; 404 on v1 makes official SDKs fall back to v0.
                return plain(response, 404, "not found: " + path, callback);
            }
            if (path.startsWith("/admin/")) {
                return admin(path.substring("/admin/".length()).split("/"), method, Request.extractQueryParameters(request),
                        response, callback);
            }
            return plain(response, 404, "not found: " + path, callback);
        } catch (JoinRejected e) {
            return plain(response, e.status(), e.getMessage(), callback);
        } catch (IllegalArgumentException e) {
            return plain(response, 404, e.getMessage(), callback);
        } catch (IllegalStateException e) {
            return plain(response, 409, e.getMessage(), callback);
        }
    }

    private boolean admin(String[] parts, String method, Fields query, Response response, Callback callback) {
        if (parts.length == 1 && parts[0].equals("refuse-resume") && HttpMethod.POST.is(method)) {
            refuseResume(flag(query.getValue("on"), true));
            return plain(response, 200, "ok", callback);
        }
        if (parts.length < 2 || !parts[0].equals("rooms")) {
            return plain(response, 404, "unknown admin route", callback);
        }
        String room = parts[1];
        if (parts.length == 2 && HttpMethod.PUT.is(method)) {
            String publisher = query.getValue("publisher");
            createRoom(room, "none".equals(publisher) ? null : new SyntheticPublisherSpec(
                    publisher == null ? "streamer" : publisher, intParam(query, "width", 320), intParam(query, "height", 240),
                    intParam(query, "fps", 15), 440));
            return plain(response, 201, "created " + room, callback);
        }
        if (parts.length == 2 && HttpMethod.DELETE.is(method)) {
            deleteRoom(room);
            return plain(response, 200, "deleted " + room, callback);
        }
        if (parts.length == 3 && HttpMethod.POST.is(method)) {
            String identity = query.getValue("identity");
            switch (parts[2]) {
                case "end" -> endRoom(room);
                case "kill-signal" -> killSignal(room, identity);
                case "drop-media" -> dropMedia(room, identity);
                case "remove-participant" -> removeParticipant(room, identity);
                case "stall" -> stallMedia(room, true);
                case "unstall" -> stallMedia(room, false);
                case "remove-target" -> removeTarget(room);
                case "republish" -> republish(room);
                case "resolution" -> publishResolution(room, intParam(query, "width", 1920), intParam(query, "height", 1080));
                default -> {
                    return plain(response, 404, "unknown fault " + parts[2], callback);
                }
            }
            return plain(response, 200, "ok", callback);
        }
        return plain(response, 405, "method not allowed", callback);
    }

    private static int intParam(Fields query, String name, int absent) {
        String value = query.getValue(name);
        return value == null ? absent : Integer.parseInt(value);
    }

    private static boolean plain(Response response, int status, String body, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
        Content.Sink.write(response, true, body + "\n", callback);
        return true;
    }

    /** Stops accepting, ends every room (Leave SERVER_SHUTDOWN), then stops the media child. */
    @Override
    public void close() {
        for (String name : List.copyOf(rooms.keySet())) {
            Room room = rooms.remove(name);
            if (room != null) {
                room.close(DisconnectReason.SERVER_SHUTDOWN);
            }
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("stopping the room server's HTTP listener", e);
        }
        timers.shutdownNow();
        media.close();
    }
}
