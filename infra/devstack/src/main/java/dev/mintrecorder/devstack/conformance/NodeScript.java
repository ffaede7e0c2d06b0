package dev.mintrecorder.devstack.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One script of the Node conformance project ({@code infra/conformance}: LiveKit's official SDK, Chromium through
 * playwright-core) run as a child process. It prints one JSON object per line on stdout; they are kept in order for
 * the caller to inspect. {@link #close()} sends SIGTERM (the scripts disconnect and print {@code stopped}), waits,
 * and kills the process only if it does not exit.
 */
public final class NodeScript implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeScript.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final List<JsonNode> lines = new CopyOnWriteArrayList<>();
    private final Thread stdout;
    private final Thread stderr;

    private NodeScript(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdout = Thread.ofVirtual().name("node-" + name + "-out").start(() -> read(true));
        this.stderr = Thread.ofVirtual().name("node-" + name + "-err").start(() -> read(false));
    }

    /**
     * The conformance project's folder: {@code infra/conformance} found from the working directory upwards, present
     * only when its packages are installed ({@code scripts/setup}). Empty when Node or the packages are
     * missing, so callers can skip with that reason.
     */
    public static Optional<Path> project() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("infra/conformance");
            if (Files.isRegularFile(candidate.resolve("package.json"))) {
                return Files.isDirectory(candidate.resolve("node_modules/@livekit/rtc-node")) && nodeWorks()
                        ? Optional.of(candidate) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Why {@link #project()} is empty, for a test's skip message. */
    public static String missingReason() {
        return "the Node conformance project is not installed (node on PATH and infra/conformance/node_modules): "
                + "run scripts/setup";
    }

    private static boolean nodeWorks() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts {@code node <script> <args…>} in the conformance project (which must be installed). */
    public static NodeScript start(String script, List<String> args) {
        Path dir = project().orElseThrow(() -> new IllegalStateException(missingReason()));
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
            // rtc-node logs its own debug lines to stdout unless NODE_ENV is production.
            builder.environment().put("NODE_ENV", "production");
            Process process = builder.start();
            log.info("started node {} (pid {})", script, process.pid());
            return new NodeScript(script, process);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node " + script, e);
        }
    }

    private void read(boolean out) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                out ? process.getInputStream() : process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!out) {
                    log.info("{} stderr: {}", name, line);
                    continue;
                }
                try {
                    JsonNode node = JSON.readTree(line);
                    lines.add(node);
                    if (!"stats".equals(node.path("event").asText()) && !"progress".equals(node.path("event").asText())) {
                        log.info("{}: {}", name, line);
                    }
                } catch (IOException e) {
                    log.info("{} (not JSON): {}", name, line);
                }
            }
        } catch (IOException e) {
            log.debug("{}: output closed: {}", name, e.toString());
        }
    }

    /** Every JSON line so far, in order. */
    public List<JsonNode> lines() {
        return List.copyOf(lines);
    }

    /** Lines whose {@code event} is {@code event}. */
    public List<JsonNode> events(String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText())).toList();
    }

    public Optional<JsonNode> first(String event) {
        return lines.stream().filter(l -> event.equals(l.path("event").asText())).findFirst();
    }

    public Optional<JsonNode> last(String event) {
        List<JsonNode> all = events(event);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    public Optional<JsonNode> first(Predicate<JsonNode> match) {
        return lines.stream().filter(match).findFirst();
    }

    /**
     * What the SDK's Rust core logged at warn or error ({@code sdkLog} lines), but for the expected fallback from
     * {@code /rtc/v1} to v0: a server that speaks only v0 answers 404 there, which the SDK reports as warnings.
     */
    public List<String> sdkComplaints() {
        return events("sdkLog").stream().map(l -> l.path("level").asText() + " " + l.path("target").asText() + ": "
                + l.path("message").asText()).filter(l -> !l.contains("v1 path")).toList();
    }

    /** Writes one line to the script's stdin (scripts that take commands, e.g. {@code subscribe}). */
    public void tell(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new IllegalStateException(name + " does not take input", e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once the script has exited, else empty. */
    public Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** SIGTERM, up to 10 s for a clean exit, then SIGKILL; the output readers are joined. */
    @Override
    public void close() {
        // Not Process.destroy(): it closes our ends of the pipes right after the signal, so the script's last lines
        // (and its clean exit) die of EPIPE. ProcessHandle.destroy() only signals.
        process.toHandle().destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                log.warn("{} ignored SIGTERM; killing it", name);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            stdout.join(2_000);
            stderr.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
