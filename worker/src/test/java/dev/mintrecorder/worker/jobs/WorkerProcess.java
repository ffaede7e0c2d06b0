package dev.mintrecorder.worker.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * TEST ONLY: the real worker in a child JVM on the test class path, started through {@link TickWorkerMain}, so its
 * recording pipeline is the {@link TickSessionFactory}. Killed with SIGKILL or stopped with SIGTERM like a pod.
 */
final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final Path output;

    WorkerProcess(Map<String, String> env) {
        try {
            // Kept under target/ after the test: the child's log is the first thing to read when a test fails.
            Path dir = Files.createDirectories(Path.of("target", "worker-processes"));
            output = Files.createTempFile(dir, "worker-" + env.get("WORKER_ID") + "-", ".log");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), TickWorkerMain.class.getName()))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            pb.environment().putAll(env);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: a crash, no drain. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM; returns the exit code, or -1 if the process is still alive after {@code wait}. */
    int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
