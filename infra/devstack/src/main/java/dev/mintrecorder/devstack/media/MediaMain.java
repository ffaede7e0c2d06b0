package dev.mintrecorder.devstack.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the room server's media child process. It holds every webrtc-java object, so a native abort ends
 * this process and never the test JVM.
 *
 * <p>Protocol: one JSON object per line. Commands arrive on stdin ({@code {"op":...}}, see {@link MediaEngine}),
 * events leave on stdout ({@code {"ev":...}}). Logs go to stderr: stdout is re-pointed there before anything else
 * runs, so no library can corrupt the event stream. The process exits when stdin closes (the parent died or closed).
 */
public final class MediaMain {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PrintStream events;

    private MediaMain() {
    }

    public static void main(String[] args) throws IOException {
        events = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        MediaEngine engine = new MediaEngine(System.getenv("MINT_NETNS_ADDR"));
        emit(JSON.createObjectNode().put("ev", "ready"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode command = JSON.readTree(line);
                try {
                    engine.handle(command);
                } catch (RuntimeException e) {
                    log("command failed: " + line + ": " + e);
                    emit(JSON.createObjectNode().put("ev", "error").put("pc", command.path("pc").asText(""))
                            .put("message", String.valueOf(e.getMessage())));
                }
            }
        } finally {
            engine.close();
        }
        System.exit(0);
    }

    static ObjectNode event(String name) {
        return JSON.createObjectNode().put("ev", name);
    }

    static synchronized void emit(ObjectNode event) {
        events.println(event.toString());
        events.flush();
    }

    static void log(String message) {
        System.err.println("[media] " + message);
    }
}
