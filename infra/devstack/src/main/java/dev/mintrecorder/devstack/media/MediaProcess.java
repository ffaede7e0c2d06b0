package dev.mintrecorder.devstack.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room server's handle on its media child process ({@link MediaMain}, same class path). Commands are JSON lines
 * on the child's stdin; events come back on its stdout and are handed to the listener registered for their
 * {@code pc}. The child's stderr is inherited, so its logs land in the parent's output.
 */
public final class MediaProcess implements MediaControl, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MediaProcess.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final OutputStream commands;
    private final Map<String, Consumer<JsonNode>> listeners = new ConcurrentHashMap<>();
    private final List<VideoSent> videoSent = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;
    private volatile boolean closing;

    private MediaProcess(Process process) {
        this.process = process;
        this.commands = process.getOutputStream();
        this.reader = Thread.ofVirtual().name("media-events").start(this::readEvents);
    }

    /** Starts the child and waits until its factory is built. */
    public static MediaProcess start(Duration startTimeout) {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), MediaMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        // glibc keeps freed frame memory per arena; few arenas keep the child's RSS honest (docs/design.md,
        // "webrtc-java").
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        MediaProcess media;
        try {
            media = new MediaProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the media process", e);
        }
        try {
            if (!media.ready.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                media.close();
                throw new IllegalStateException("media process not ready within " + startTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            media.close();
            throw new IllegalStateException("interrupted while starting the media process", e);
        }
        return media;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The video counts of the closed subscriber connections of {@code identity} in {@code room}, oldest first. */
    public List<VideoSent> videoSent(String room, String identity) {
        return videoSent.stream().filter(v -> v.room().equals(room) && v.identity().equals(identity)).toList();
    }

    @Override
    public void listen(String pc, Consumer<JsonNode> listener) {
        listeners.put(pc, listener);
    }

    @Override
    public void unlisten(String pc) {
        listeners.remove(pc);
    }

    /** A new command object with its {@code op}. */
    public static ObjectNode command(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /** Sends one command; a dead child is logged, not thrown, so signal handling carries on and tests see the fault. */
    @Override
    public synchronized void send(ObjectNode command) {
        if (!process.isAlive()) {
            log.warn("media process is gone; dropped {}", command.path("op").asText());
            return;
        }
        try {
            commands.write((command.toString() + "\n").getBytes(StandardCharsets.UTF_8));
            commands.flush();
        } catch (IOException e) {
            log.warn("media process command {} failed: {}", command.path("op").asText(), e.toString());
        }
    }

    private void readEvents() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode event;
                try {
                    event = JSON.readTree(line);
                } catch (IOException e) {
                    // libwebrtc writes a few lines straight to fd 1 (e.g. at thread detach); they are not events.
                    log.info("media process (native): {}", line);
                    continue;
                }
                if ("ready".equals(event.path("ev").asText())) {
                    ready.countDown();
                    continue;
                }
                if ("videoSent".equals(event.path("ev").asText())) {
                    // Kept here, not routed: it comes when the connection closes, after the room stopped listening.
                    videoSent.add(new VideoSent(event.path("room").asText(), event.path("identity").asText(),
                            event.path("pc").asText(), event.path("given").asLong(), event.path("source").asLong(),
                            event.path("encoded").asLong(), event.path("sent").asLong()));
                    continue;
                }
                Consumer<JsonNode> listener = listeners.get(event.path("pc").asText());
                if (listener != null) {
                    listener.accept(event);
                } else if ("error".equals(event.path("ev").asText())) {
                    log.warn("media process error: {}", event.path("message").asText());
                }
            }
        } catch (IOException e) {
            if (!closing) {
                log.warn("media process event stream failed", e);
            }
        }
        if (!closing) {
            log.error("media process exited unexpectedly (exit code {})", process.isAlive() ? "?" : process.exitValue());
        }
    }

    /** Closes stdin so the child tears down in order; kills it if it has not exited within 5 s. */
    @Override
    public void close() {
        closing = true;
        try {
            commands.close();
        } catch (IOException e) {
            log.debug("closing media stdin", e);
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
