package dev.mintrecorder.devstack.kafka;

import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.devstack.DevstackComponent;
import dev.mintrecorder.devstack.Ports;
import dev.mintrecorder.devstack.TempDirs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real single-node KRaft broker (broker and controller in one process) in a child JVM on the devstack's classpath.
 * The ports and the log dir are chosen once, so {@link #restart()} brings the same broker back with its data.
 * The child needs no shutdown hook here: it exits when its stdin closes, which happens however this JVM ends.
 */
public final class KafkaBroker implements DevstackComponent {
    private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Logger childLog = LoggerFactory.getLogger("dev.mintrecorder.devstack.kafka.broker");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int TAIL_LINES = 40;

    private final KafkaBrokerOptions options;
    private final Path dir;
    private final Path configFile;
    private final int brokerPort;
    private final int sslPort;
    private final int saslSslPort;
    private final KafkaTls tls;
    private Process process;
    private boolean brokerDlqConfigured;

    private KafkaBroker(KafkaBrokerOptions options, Path dir, int brokerPort, int controllerPort) {
        this.options = options;
        this.dir = dir;
        this.configFile = dir.resolve("server.properties");
        this.brokerPort = brokerPort;
        this.tls = options.tls() ? KafkaTls.generate(dir.resolve("tls")) : null;
        this.sslPort = options.tls() ? Ports.freeLoopbackPort() : 0;
        this.saslSslPort = options.tls() ? Ports.freeLoopbackPort() : 0;
        writeConfig(controllerPort);
    }

    /** Formats a fresh log dir, starts the broker, creates every topic of {@link Topics#all()} and configures the share group. */
    public static KafkaBroker start(KafkaBrokerOptions options) {
        Path dir = TempDirs.create("mint-kafka-");
        KafkaBroker broker = new KafkaBroker(options, dir, Ports.freeLoopbackPort(), Ports.freeLoopbackPort());
        try {
            broker.start();
            broker.provision();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** {@code 127.0.0.1:port}, stable across restarts. */
    public String bootstrapServers() {
        return Ports.LOOPBACK + ":" + brokerPort;
    }

    /** The SSL listener ({@code 127.0.0.1:port}; mutual TLS), with {@link KafkaBrokerOptions#withTls()} only. */
    public String sslBootstrapServers() {
        return Ports.LOOPBACK + ":" + requireTls().sslPort;
    }

    /** The SASL_SSL listener ({@code 127.0.0.1:port}; SASL/PLAIN), with {@link KafkaBrokerOptions#withTls()} only. */
    public String saslSslBootstrapServers() {
        return Ports.LOOPBACK + ":" + requireTls().saslSslPort;
    }

    /** The certificates and logins of the secure listeners, with {@link KafkaBrokerOptions#withTls()} only. */
    public KafkaTls tls() {
        return requireTls().tls;
    }

    private KafkaBroker requireTls() {
        if (tls == null) {
            throw new IllegalStateException("this broker has no TLS listeners: start it with KafkaBrokerOptions.withTls()");
        }
        return this;
    }

    @Override
    public Map<String, String> env() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
    }

    /** Whether the share group's broker-side dead-letter topic (KIP-1191) was accepted by the broker. */
    public boolean brokerDlqConfigured() {
        return brokerDlqConfigured;
    }

    public KafkaBrokerOptions options() {
        return options;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the broker process if it is not running, on the same ports and log dir; returns once it serves. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long t0 = System.nanoTime();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only and the serial GC: a light broker that starts fast on 2 cores.
                "-Xms128m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Djava.awt.headless=true",
                "-Dlogback.configurationFile=dev/mintrecorder/devstack/kafka-broker-logback.xml"));
        if (Runtime.version().feature() >= 24) {
            // Kafka unmaps buffers through sun.misc.Unsafe; JDK 24+ warns about it on every start.
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                KafkaBrokerMain.class.getName(), configFile.toString()));
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker JVM", e);
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        Process child = process;
        Thread.ofVirtual().name("kafka-broker-output").start(() -> pumpOutput(child, started));
        try {
            started.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroyNow();
            throw new IllegalStateException("interrupted while the Kafka broker started", e);
        } catch (ExecutionException | TimeoutException e) {
            destroyNow();
            throw new IllegalStateException("Kafka broker did not start: " + e.getMessage(), e);
        }
        log.info("Kafka broker up at {} in {} ms (pid {})", bootstrapServers(),
                (System.nanoTime() - t0) / 1_000_000, process.pid());
    }

    /** Controlled shutdown (as on SIGTERM); the log dir stays for {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Kafka broker ignored SIGTERM for {}; killing it", STOP_TIMEOUT);
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** SIGKILL, as a crash: no controlled shutdown; {@link #start()} recovers the log. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        try {
            process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public void restart() {
        stop();
        start();
    }

    /** An Admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    /** Stops the broker and deletes its log dir. */
    @Override
    public void close() {
        stop();
        TempDirs.deleteRecursively(dir);
    }

    private void provision() {
        try (Admin admin = admin()) {
            List<NewTopic> topics = Topics.all().stream()
                    .map(t -> new NewTopic(t.name(), t.partitions(), (short) 1).configs(t.configs()))
                    .toList();
            admin.createTopics(topics).all().get();
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, Topics.WORKER_SHARE_GROUP);
            // The default, latest, silently skips jobs produced before the group's first fetch.
            alterGroup(admin, group, Map.of("share.auto.offset.reset", "earliest"));
            brokerDlqConfigured = tryConfigureBrokerDlq(admin, group);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot provision the Kafka broker: " + e.getCause(), e.getCause());
        }
    }

    /** KIP-1191: the broker copies records it archives (delivery limit exhausted, or rejected) to a {@code dlq.} topic. */
    private static boolean tryConfigureBrokerDlq(Admin admin, ConfigResource group) throws InterruptedException {
        try {
            // Without copy.record the dead-letter record carries only the __dlq.errors.* headers, not the job.
            alterGroup(admin, group, Map.of("errors.deadletterqueue.topic.name", Topics.JOBS_BROKER_DLQ,
                    "errors.deadletterqueue.copy.record.enable", "true"));
            return true;
        } catch (ExecutionException e) {
            log.warn("broker dead-letter topic not configured for {}: {}", group.name(), e.getCause().toString());
            return false;
        }
    }

    private static void alterGroup(Admin admin, ConfigResource group, Map<String, String> configs)
            throws InterruptedException, ExecutionException {
        List<AlterConfigOp> ops = configs.entrySet().stream()
                .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                .toList();
        admin.incrementalAlterConfigs(Map.of(group, ops)).all().get();
    }

    private void pumpOutput(Process child, CompletableFuture<Void> started) {
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.equals(KafkaBrokerMain.STARTED_MARKER)) {
                    started.complete(null);
                    continue;
                }
                childLog.info("{}", line);
                if (tail.size() == TAIL_LINES) {
                    tail.removeFirst();
                }
                tail.addLast(line);
            }
        } catch (IOException e) {
            // The stream closes with the process; the exit below is reported either way.
        }
        if (!started.isDone()) {
            started.completeExceptionally(new IllegalStateException(
                    "broker JVM exited before serving; last output:\n" + String.join("\n", tail)));
        }
    }

    private synchronized void destroyNow() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private void writeConfig(int controllerPort) {
        Properties p = new Properties();
        String host = Ports.LOOPBACK;
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        String secure = tls == null ? "" : ",SSL://" + host + ":" + sslPort + ",SASL_SSL://" + host + ":" + saslSslPort;
        p.setProperty("listeners", "PLAINTEXT://" + host + ":" + brokerPort + secure
                + ",CONTROLLER://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort + secure);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                + (tls == null ? "" : ",SSL:SSL,SASL_SSL:SASL_SSL"));
        if (tls != null) {
            tls.brokerProperties().forEach(p::setProperty);
        }
        p.setProperty("log.dirs", dir.resolve("logs").toString());
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // After a SIGKILL the restarted broker waits for its old registration's session to lapse (default 9 s).
        p.setProperty("broker.heartbeat.interval.ms", "500");
        p.setProperty("broker.session.timeout.ms", "2000");
        // A single node: every internal topic has one replica, and few partitions keep the start fast.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "3");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "3");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "3");
        String lockMs = Long.toString(options.recordLockDuration().toMillis());
        String heartbeatMs = Long.toString(options.heartbeatInterval().toMillis());
        String sessionMs = Long.toString(options.sessionTimeout().toMillis());
        // Each share-group timing has a floor (group.share.min.*) that rejects shorter values: lower it with the value.
        p.setProperty("group.share.record.lock.duration.ms", lockMs);
        p.setProperty("group.share.min.record.lock.duration.ms", "1000");
        p.setProperty("group.share.heartbeat.interval.ms", heartbeatMs);
        p.setProperty("group.share.min.heartbeat.interval.ms", heartbeatMs);
        p.setProperty("group.share.session.timeout.ms", sessionMs);
        p.setProperty("group.share.min.session.timeout.ms", sessionMs);
        p.setProperty("group.share.delivery.count.limit", Integer.toString(options.deliveryCountLimit()));
        // The workers' guardians form a classic consumer group whose session timeout the client sets
        // (JOBS_GUARDIAN_SESSION_TIMEOUT); let it go as low as the share group's.
        p.setProperty("group.min.session.timeout.ms",
                Long.toString(Math.min(6_000, options.sessionTimeout().toMillis())));
        options.extraBrokerProperties().forEach(p::setProperty);
        try (Writer out = Files.newBufferedWriter(configFile)) {
            p.store(out, "mint-recorder devstack broker");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
