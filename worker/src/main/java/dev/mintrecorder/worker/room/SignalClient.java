package dev.mintrecorder.worker.room;

import com.google.protobuf.InvalidProtocolBufferException;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One signal WebSocket (protocol v0, binary protobuf frames). It only moves messages: the room's loop decides
 * what they mean. A new socket is opened for every join, resume or rejoin.
 */
final class SignalClient {
    private static final Logger log = LoggerFactory.getLogger(SignalClient.class);

    /** Called on OkHttp's reader thread; implementations hand off to the room's loop. */
    interface Listener {
        void onMessage(SignalClient socket, SignalResponse message);

        /**
         * The socket is gone, once per socket. {@code upgradeStatus} is the HTTP status of a refused upgrade,
         * or 0 when the socket failed or closed after opening.
         */
        void onGone(SignalClient socket, int upgradeStatus, String why);
    }

    private final HttpUrl url;
    private final WebSocket socket;
    private final AtomicBoolean gone = new AtomicBoolean();

    private SignalClient(OkHttpClient http, HttpUrl url, Listener listener) {
        this.url = url;
        this.socket = http.newWebSocket(new Request.Builder().url(url).build(), new WebSocketListener() {
            @Override
            public void onMessage(WebSocket webSocket, ByteString bytes) {
                try {
                    listener.onMessage(SignalClient.this, SignalResponse.parseFrom(bytes.toByteArray()));
                } catch (InvalidProtocolBufferException e) {
                    log.warn("unreadable signal message ({} bytes) ignored", bytes.size(), e);
                }
            }

            @Override
            public void onMessage(WebSocket webSocket, String text) {
                log.warn("unexpected text signal message ignored: {}", text);
            }

            @Override
            public void onClosing(WebSocket webSocket, int code, String reason) {
                webSocket.close(1000, null);
                goneOnce(listener, 0, "server closed the socket (" + code + " " + reason + ")");
            }

            @Override
            public void onClosed(WebSocket webSocket, int code, String reason) {
                goneOnce(listener, 0, "socket closed (" + code + " " + reason + ")");
            }

            @Override
            public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                int status = response != null && response.code() != 101 ? response.code() : 0;
                goneOnce(listener, status, status != 0 ? "upgrade refused with HTTP " + status : String.valueOf(t));
            }
        });
    }

    static SignalClient open(OkHttpClient http, HttpUrl url, Listener listener) {
        return new SignalClient(http, url, listener);
    }

    HttpUrl url() {
        return url;
    }

    /** Queues a request; false when the socket is already gone. */
    boolean send(SignalRequest request) {
        return !gone.get() && socket.send(ByteString.of(request.toByteArray()));
    }

    /** Leaves on purpose (Leave CLIENT_INITIATED) and closes the socket. */
    void leave() {
        send(SignalRequest.newBuilder().setLeave(LeaveRequest.newBuilder()
                .setReason(DisconnectReason.CLIENT_INITIATED).setAction(LeaveRequest.Action.DISCONNECT)).build());
        socket.close(1000, "leave");
    }

    /** Drops the socket without a goodbye (a lost connection, or a superseded one). */
    void abort() {
        socket.cancel();
    }

    private void goneOnce(Listener listener, int status, String why) {
        if (gone.compareAndSet(false, true)) {
            listener.onGone(this, status, why);
        }
    }

    /**
     * Asks {@code /rtc/validate} why an upgrade was refused and turns the answer into a clear error.
     * LiveKit answers 401 for a bad token, 404 for an unknown room, with the reason in the body.
     */
    static RoomException explainRefusal(OkHttpClient http, HttpUrl rtcUrl, int upgradeStatus) {
        HttpUrl validate = SignalUrls.validate(rtcUrl);
        int status = upgradeStatus;
        String body = "";
        try (Response response = http.newCall(new Request.Builder().url(validate).get().build()).execute()) {
            status = response.code();
            body = response.body().string().strip();
        } catch (IOException e) {
            log.debug("validate call failed", e);
        }
        String detail = body.isEmpty() ? "HTTP " + status : body + " (HTTP " + status + ")";
        return switch (status) {
            case 401, 403 -> RoomException.session(RoomException.Kind.INVALID_TOKEN, prefixed("invalid token", detail));
            case 404 -> RoomException.session(RoomException.Kind.ROOM_NOT_FOUND, prefixed("room not found", detail));
            default -> RoomException.session(RoomException.Kind.CONNECT_FAILED,
                    "signal connection refused (upgrade HTTP " + upgradeStatus + "); validate says " + detail);
        };
    }

    /** LiveKit's bodies often start with the same words ("invalid token: ..."); say them once. */
    private static String prefixed(String what, String detail) {
        return detail.regionMatches(true, 0, what, 0, what.length()) ? detail : what + ": " + detail;
    }
}
