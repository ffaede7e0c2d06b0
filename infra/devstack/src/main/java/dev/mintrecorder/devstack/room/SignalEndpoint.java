package dev.mintrecorder.devstack.room;

import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import livekit.LivekitRtc.SignalRequest;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One signal WebSocket ({@code /rtc}, binary protobuf frames): joins or resumes on open, then feeds its room.
 * Public only because Jetty invokes listener methods reflectively.
 */
public final class SignalEndpoint implements Session.Listener.AutoDemanding {
    private static final Logger log = LoggerFactory.getLogger(SignalEndpoint.class);

    /** The checked upgrade: who joins which room, and how. */
    record Join(Room room, JoinGrant grant, int protocol, boolean autoSubscribe, boolean reconnect) {
    }

    private final Join join;
    private final RoomServer server;
    private SignalConnection socket;
    private Participant participant;

    SignalEndpoint(Join join, RoomServer server) {
        this.join = join;
        this.server = server;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.socket = new SignalConnection.Silenceable(new SignalConnection.Jetty(session), server::signalSilenced);
        if (join.reconnect()) {
            participant = join.room().resume(socket, join.grant(), server.resumeRefused(), server.network()).orElse(null);
        } else {
            participant = join.room().join(socket, join.grant(), join.protocol(), join.autoSubscribe(), server.network());
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        try {
            if (participant != null) {
                join.room().onRequest(participant, SignalRequest.parseFrom(payload));
            }
            callback.succeed();
        } catch (InvalidProtocolBufferException e) {
            log.warn("room {}: undecodable signal request from {}", join.room().name, join.grant().identity());
            callback.fail(e);
        } catch (RuntimeException e) {
            log.warn("room {}: signal request from {} failed", join.room().name, join.grant().identity(), e);
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        if (participant != null) {
            join.room().onSocketClosed(participant, socket);
        }
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        log.debug("room {}: signal socket of {} failed: {}", join.room().name, join.grant().identity(), cause.toString());
    }
}
