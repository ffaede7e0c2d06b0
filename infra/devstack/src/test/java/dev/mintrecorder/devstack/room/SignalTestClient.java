package dev.mintrecorder.devstack.room;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;

/** A minimal v0 signal client for tests: the JDK's WebSocket, protobuf frames, every response recorded. */
final class SignalTestClient implements AutoCloseable {
    final List<SignalResponse> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CompletableFuture<WebSocket> socket = new CompletableFuture<>();

    private SignalTestClient() {
    }

    /** Connects to {@code url + "/rtc?" + query}; the token goes in the query or, with {@code bearer}, a header. */
    static SignalTestClient connect(String url, String token, String query, boolean bearer,
                                    Consumer<SignalResponse> handler) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String target = url + "/rtc?" + query + (bearer ? "" : "&access_token=" + token);
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (bearer) {
            builder.header("Authorization", "Bearer " + token);
        }
        SignalTestClient client = new SignalTestClient();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                partial.writeBytes(bytes);
                if (last) {
                    try {
                        SignalResponse response = SignalResponse.parseFrom(partial.toByteArray());
                        partial.reset();
                        client.received.add(response);
                        handler.accept(response);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                client.closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                client.closed.complete(-1);
            }
        };
        client.socket.complete(builder.buildAsync(URI.create(target), listener).get(10, TimeUnit.SECONDS));
        return client;
    }

    synchronized void send(SignalRequest request) {
        socket.join().sendBinary(ByteBuffer.wrap(request.toByteArray()), true).join();
    }

    /** Responses of one kind, in arrival order. */
    List<SignalResponse> all(SignalResponse.MessageCase kind) {
        return received.stream().filter(r -> r.getMessageCase() == kind).toList();
    }

    @Override
    public void close() {
        socket.join().abort();
    }
}
