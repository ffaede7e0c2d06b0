package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.FrameQueues;
import io.micrometer.core.instrument.MeterRegistry;
import okhttp3.OkHttpClient;

import javax.net.SocketFactory;
import java.time.Duration;
import java.util.Objects;

/**
 * Opens room sessions; one per worker. It shares the HTTP client (signal sockets, validate calls) and the
 * process's {@link WebRtcRuntime}, which it does not own.
 */
public final class RoomClient implements AutoCloseable {
    private final RoomConfig config;
    private final WebRtcRuntime runtime;
    private final MeterRegistry registry;
    private final OkHttpClient http;

    public RoomClient(RoomConfig config, WebRtcRuntime runtime, MeterRegistry registry) {
        this(config, runtime, registry, SocketFactory.getDefault());
    }

    /**
     * A client whose TCP connections (signal sockets, validate calls) come from {@code sockets}: the network as this
     * client sees it. This is its fault-injection point: a test passes a factory whose sockets it can break, so a
     * lost connection fails in OkHttp exactly as a network error would.
     */
    public RoomClient(RoomConfig config, WebRtcRuntime runtime, MeterRegistry registry, SocketFactory sockets) {
        this.config = Objects.requireNonNull(config);
        this.runtime = Objects.requireNonNull(runtime);
        this.registry = Objects.requireNonNull(registry);
        // No transport-level pings: LiveKit's own ping/pong and ping_timeout decide when the signal is lost.
        this.http = new OkHttpClient.Builder().socketFactory(sockets).connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Joins {@code request.room()} as a hidden, subscribe-only participant and starts subscribing to the target,
     * whose decoded video and audio go into {@code queues}. Returns at once; progress arrives at {@code listener}
     * and the end in {@link RoomSession#completion()}. The caller owns the session and the queues: it must
     * {@link RoomSession#close()} the session, then close the queues.
     */
    public RoomSession open(RoomRequest request, FrameQueues queues, RoomListener listener) {
        RoomSession session = new RoomSession(config, request, queues, listener, http, runtime, registry);
        session.start();
        return session;
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
