package dev.mintrecorder.devstack.room;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import livekit.LivekitRtc.SignalResponse;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/** A participant's signal socket as the room uses it; the Jetty session in production. */
interface SignalConnection {
    /** Sends one response if the socket is still open (asynchronously; Jetty queues frames in order). */
    void send(SignalResponse response);

    /** Sends a last response, then closes normally. */
    void sendThenClose(SignalResponse response, String reason);

    void close(String reason);

    /** Drops the TCP connection without a close frame (the kill-signal fault). */
    void disconnect();

    /**
     * A connection that sends nothing while {@code silenced} says so: a hung server or a black-holed path, as
     * livekit-server's own {@code SimulateScenario} (disconnect_signal_on_resume_no_messages) produces. Requests
     * are still read; closing still works.
     */
    record Silenceable(SignalConnection inner, BooleanSupplier silenced) implements SignalConnection {
        @Override
        public void send(SignalResponse response) {
            if (!silenced.getAsBoolean()) {
                inner.send(response);
            }
        }

        @Override
        public void sendThenClose(SignalResponse response, String reason) {
            if (!silenced.getAsBoolean()) {
                inner.sendThenClose(response, reason);
            }
        }

        @Override
        public void close(String reason) {
            inner.close(reason);
        }

        @Override
        public void disconnect() {
            inner.disconnect();
        }
    }

    /** The production connection over a Jetty WebSocket session. */
    record Jetty(Session session) implements SignalConnection {
        @Override
        public void send(SignalResponse response) {
            if (session.isOpen()) {
                session.sendBinary(ByteBuffer.wrap(response.toByteArray()), Callback.NOOP);
            }
        }

        @Override
        public void sendThenClose(SignalResponse response, String reason) {
            session.sendBinary(ByteBuffer.wrap(response.toByteArray()),
                    Callback.from(() -> close(reason), x -> session.disconnect()));
        }

        @Override
        public void close(String reason) {
            if (session.isOpen()) {
                session.close(1000, reason, Callback.NOOP);
            }
        }

        @Override
        public void disconnect() {
            session.disconnect();
        }
    }
}
