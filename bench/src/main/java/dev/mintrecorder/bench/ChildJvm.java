package dev.mintrecorder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM (the worker, or a bench main standing in for one) whose RSS and CPU are the figures. It runs with
 * this JVM's java, so it shares this process's network namespace (WebRTC on 127.0.0.2); output goes to a log file.
 */
final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The worker from its jar, with the devstack's endpoints and {@code extraEnv}. */
    static ChildJvm worker(String name, Path jar, Map<String, String> env, Path log) throws IOException {
        return start(name, List.of("-jar", jar.toString()), env, log);
    }

    /** A main class from this benchmark's own classpath. */
    static ChildJvm main(String name, Class<?> main, List<String> args, Map<String, String> env, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        return start(name, cmd, env, log);
    }

    private static ChildJvm start(String name, List<String> tail, Map<String, String> env, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The worker's production flags (Dockerfile/demo): a modest heap; native frames live off-heap.
                "-Xmx512m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(tail);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        // glibc keeps freed frame memory in per-thread arenas otherwise (docs/design.md, "webrtc-java"), and RSS
        // would overstate.
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        return new ChildJvm(name, pb.start(), log);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    long rssBytes() {
        return Proc.rssBytes(process.pid());
    }

    double cpuSeconds() {
        return Proc.cpuSeconds(process.pid());
    }

    List<String> logLines() throws IOException {
        return Files.readAllLines(log);
    }

    /** SIGKILL, as a crash: no drain, no cleanup. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the worker drains), then SIGKILL after {@code graceSeconds}. */
    void stop(int graceSeconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            kill();
        }
    }

    int waitFor(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            kill();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
