package dev.mintrecorder.worker.room;

import livekit.LivekitRtc.Ping;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

/**
 * A room's signal link: one {@link SignalClient} socket at a time, its pings, and the two watchdogs that declare a
 * silent link lost. Confined to the room's loop: socket callbacks come back through {@link Loop#post}, and only the
 * current socket's reach the {@link Listener}.
 *
 * <p>Watchdogs, as client-sdk-js {@code SignalClient}: once joined, no message for {@code ping_timeout} means the
 * link is lost ({@code handlePingTimeout}); before that, a socket that upgrades but sends nothing (no join, no
 * reconnect) within {@code ping_timeout} is lost too, so a hung server cannot hang the room. Every
 * {@code ping_interval} the link sends both the older {@code ping} and {@code ping_req}.
 */
final class SignalLink {
    /** Called on the room's loop. */
    interface Listener {
        void onMessage(SignalResponse message);

        /**
         * The current socket is gone (once per socket). {@code upgradeStatus} is the HTTP status of a refused
         * upgrade, else 0 (failed or closed after opening, or silent past a watchdog).
         */
        void onLost(HttpUrl url, int upgradeStatus, String why);
    }

    /** The room's loop: runs tasks on its one thread. */
    interface Loop {
        void post(Runnable task);

        ScheduledFuture<?> schedule(Runnable task, Duration delay);

        ScheduledFuture<?> every(Runnable task, Duration period);
    }

    private final OkHttpClient http;
    private final Loop loop;
    private final Listener listener;
    private SignalClient socket;
    private int attempt;
    private boolean awaitingFirstMessage;
    private long lastMessageNanos;
    private Duration pingInterval = Duration.ofSeconds(5);
    private Duration pingTimeout = Duration.ofSeconds(15);
    private ScheduledFuture<?> pinger;

    SignalLink(OkHttpClient http, Loop loop, Listener listener) {
        this.http = http;
        this.loop = loop;
        this.listener = listener;
    }

    /** Opens a socket on {@code url} (a join or a resume), dropping the current one without a goodbye. */
    void open(HttpUrl url) {
        abort();
        attempt++;
        awaitingFirstMessage = true;
        lastMessageNanos = System.nanoTime();
        SignalClient opened = SignalClient.open(http, url, new SignalClient.Listener() {
            @Override
            public void onMessage(SignalClient from, SignalResponse message) {
                loop.post(() -> {
                    if (from == socket) {
                        lastMessageNanos = System.nanoTime();
                        awaitingFirstMessage &= !answers(message);
                        listener.onMessage(message);
                    }
                });
            }

            @Override
            public void onGone(SignalClient from, int upgradeStatus, String why) {
                loop.post(() -> {
                    if (from == socket) {
                        socket = null;
                        stopPinging();
                        listener.onLost(from.url(), upgradeStatus, why);
                    }
                });
            }
        });
        socket = opened;
        loop.schedule(() -> {
            if (socket == opened && awaitingFirstMessage) {
                lose(opened, "no answer (join or reconnect) on the signal socket within " + pingTimeout);
            }
        }, pingTimeout);
    }

    /**
     * A socket is answered by {@code join}, {@code reconnect} or {@code leave}; other messages before that (an
     * update, an offer) do not count, or a lost ReconnectResponse would leave a resume waiting with no watchdog.
     */
    private static boolean answers(SignalResponse message) {
        return switch (message.getMessageCase()) {
            case JOIN, RECONNECT, LEAVE -> true;
            default -> false;
        };
    }

    /** Starts pinging with the JoinResponse's {@code ping_interval} and {@code ping_timeout} (seconds; 0 keeps the last). */
    void keepAlive(int intervalSeconds, int timeoutSeconds) {
        if (intervalSeconds > 0) {
            pingInterval = Duration.ofSeconds(intervalSeconds);
        }
        if (timeoutSeconds > 0) {
            pingTimeout = Duration.ofSeconds(timeoutSeconds);
        }
        keepAlive();
    }

    /** Starts pinging again (after a resume) with the values the join gave. */
    void keepAlive() {
        stopPinging();
        pinger = loop.every(this::ping, pingInterval);
    }

    /** Queues a request; false when there is no open socket. */
    boolean send(SignalRequest request) {
        return socket != null && socket.send(request);
    }

    /** A socket is open and has answered (join or reconnect). */
    boolean answered() {
        return socket != null && !awaitingFirstMessage;
    }

    /** Counts sockets opened; a delayed retry compares it to know whether another attempt came in between. */
    int attempt() {
        return attempt;
    }

    /** Drops the socket without a goodbye (a lost connection, or a superseded one); its callbacks are now stale. */
    void abort() {
        stopPinging();
        if (socket != null) {
            SignalClient old = socket;
            socket = null;
            old.abort();
        }
    }

    /** Leaves on purpose (Leave CLIENT_INITIATED) and closes. */
    void leave() {
        stopPinging();
        if (socket != null) {
            socket.leave();
            socket = null;
        }
    }

    private void ping() {
        if (socket == null) {
            return;
        }
        long silent = System.nanoTime() - lastMessageNanos;
        if (silent > pingTimeout.toNanos()) {
            lose(socket, "no message for " + Duration.ofNanos(silent).toMillis() + " ms (ping_timeout "
                    + pingTimeout.toSeconds() + " s)");
            return;
        }
        long now = System.currentTimeMillis();
        socket.send(SignalRequest.newBuilder().setPing(now).build());
        socket.send(SignalRequest.newBuilder().setPingReq(Ping.newBuilder().setTimestamp(now)).build());
    }

    private void lose(SignalClient dead, String why) {
        socket = null; // its own onGone, if OkHttp reports one, is now stale
        stopPinging();
        dead.abort();
        listener.onLost(dead.url(), 0, why);
    }

    private void stopPinging() {
        if (pinger != null) {
            pinger.cancel(false);
            pinger = null;
        }
    }
}
