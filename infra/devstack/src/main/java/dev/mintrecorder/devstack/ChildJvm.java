package dev.mintrecorder.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM with its output (stdout and stderr) in a log file: the worker from its jar (the demo, the benchmarks,
 * the crash tests), {@code WorkerMain} on the test class path, or a benchmark main standing in for a worker. It runs
 * with this JVM's java, so it shares this process's network namespace (where WebRTC has its address) and inherits its
 * environment plus what the launch adds.
 *
 * <pre>{@code
 * try (ChildJvm worker = ChildJvm.workerJar(workerJar).env(stack.env())
 *         .start("worker-a", Path.of("target/logs/worker-a.log"))) {
 *     ...
 *     worker.stop(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {
    /** The worker's production JVM flags, a java @argfile that its Dockerfile reads too (relative to the repository). */
    public static final Path WORKER_FLAGS = Path.of("worker", "src", "main", "jvm", "flags");
    /** The environment that goes with those flags (worker/Dockerfile sets the same). */
    public static final Map<String, String> WORKER_ENV = Map.of("MALLOC_ARENA_MAX", "2");
    /** How long {@link #kill()} waits for the process to be gone. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** A child that runs {@code java -jar jar}. */
    public static Launch jar(Path jar) {
        return new Launch(List.of("-jar", jar.toString()));
    }

    /**
     * The worker as production runs it: {@code java @worker/src/main/jvm/flags -jar jar}, with {@link #WORKER_ENV}
     * unless this process or {@link Launch#env} sets it. More flags may follow (they win over the file's).
     */
    public static Launch workerJar(Path jar) {
        return jar(jar).workerFlags();
    }

    /** {@link #WORKER_FLAGS} found from the working directory up (tests run in a module, the scripts at the root). */
    public static Path workerFlagsFile() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path file = dir.resolve(WORKER_FLAGS);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new IllegalStateException(WORKER_FLAGS + " not found from " + Path.of("").toAbsolutePath() + " up");
    }

    /** A child that runs {@code mainClass} from this JVM's class path. */
    public static Launch main(String mainClass, List<String> args) {
        List<String> tail = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        tail.addAll(args);
        return new Launch(tail);
    }

    /** What to start: JVM flags, then the jar or main class; the environment on top of this process's. */
    public static final class Launch {
        private final List<String> tail;
        private final List<String> flags = new ArrayList<>();
        private final Map<String, String> env = new HashMap<>();
        private final Map<String, String> defaults = new LinkedHashMap<>();

        private Launch(List<String> tail) {
            this.tail = List.copyOf(tail);
        }

        /** JVM flags, before the jar or main class. */
        public Launch flags(List<String> more) {
            flags.addAll(more);
            return this;
        }

        public Launch flags(String... more) {
            return flags(List.of(more));
        }

        /**
         * The worker's production flags ({@link #WORKER_FLAGS}) and {@link #WORKER_ENV}: for a worker jar, or a test
         * main that runs the worker from the class path.
         */
        public Launch workerFlags() {
            flags("@" + workerFlagsFile());
            WORKER_ENV.forEach(this::envUnlessSet);
            return this;
        }

        /** Environment variables, over the ones this process passes on. */
        public Launch env(Map<String, String> more) {
            env.putAll(more);
            return this;
        }

        /** An environment variable unless this process passes it on or {@link #env} sets it. */
        public Launch envUnlessSet(String name, String value) {
            defaults.put(name, value);
            return this;
        }

        /** Starts the child, its output going to {@code log} (its directory is created). */
        public ChildJvm start(String name, Path log) throws IOException {
            Path dir = log.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(flags);
            command.addAll(tail);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            defaults.forEach(pb.environment()::putIfAbsent);
            return new ChildJvm(name, pb.start(), log);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The file its stdout and stderr go to. */
    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** VmRSS in bytes, or -1 when the process is gone. */
    public long rssBytes() {
        return Proc.rssBytes(process.pid());
    }

    /** CPU seconds of the whole process, or -1 when it is gone. */
    public double cpuSeconds() {
        return Proc.cpuSeconds(process.pid());
    }

    public List<String> logLines() throws IOException {
        return Files.readAllLines(log);
    }

    /** Its output so far, for assertion messages; says so when the log cannot be read. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** SIGKILL, as a crash: no drain, no cleanup. Waits (up to 30 s) for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGTERM; the exit code, or -1 if it is still alive after {@code wait} (it is left running). */
    public int terminate(Duration wait) throws InterruptedException {
        process.destroy();
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGTERM (the worker drains), then SIGKILL if it is still alive after {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    /** Waits for it to exit; the exit code, or -1 after killing it when {@code wait} has passed. */
    public int waitFor(Duration wait) throws InterruptedException {
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return -1;
        }
        return process.exitValue();
    }

    /** Kills it if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
