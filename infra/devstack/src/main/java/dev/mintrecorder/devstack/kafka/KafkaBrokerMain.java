package dev.mintrecorder.devstack.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The broker's child JVM: formats the log dir on first start, runs a combined broker+controller
 * {@link KafkaRaftServer}, prints {@link #STARTED_MARKER} once it serves, and exits when its stdin closes,
 * so it never outlives the parent (even one killed with SIGKILL).
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {}

    static final String STARTED_MARKER = "MINT-RECORDER-KAFKA-BROKER-STARTED";

    public static void main(String[] args) throws IOException {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            props.load(in);
        }
        Path logDir = Path.of(props.getProperty("log.dirs"));
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", args[0]},
                    System.out);
            if (rc != 0) {
                System.out.println("storage format failed with exit code " + rc);
                System.exit(2);
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        // SIGTERM, and the stdin watcher below, both end in this hook: a controlled shutdown keeps the log clean.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "broker-shutdown"));
        try {
            server.startup();
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.out.println(STARTED_MARKER);
        System.out.flush();
        Thread.ofPlatform().daemon().name("parent-watch").start(KafkaBrokerMain::exitWhenStdinCloses);
        server.awaitShutdown();
    }

    private static void exitWhenStdinCloses() {
        try {
            InputStream in = System.in;
            while (in.read() >= 0) {
                // The parent never writes; any bytes are ignored until end of stream.
            }
        } catch (IOException ignored) {
            // A broken pipe means the parent is gone, as does end of stream.
        }
        System.exit(0);
    }
}
