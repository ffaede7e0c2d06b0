package dev.mintrecorder.devstack;

import dev.mintrecorder.devstack.kafka.KafkaBroker;
import dev.mintrecorder.devstack.room.RoomServer;
import dev.mintrecorder.devstack.s3.S3Server;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The real infrastructure for tests, the demo and benchmarks: start it, read its endpoints (or {@link #env()}),
 * close it. Components start in parallel; closing stops them in reverse order and removes their temp dirs.
 *
 * <pre>{@code
 * try (Devstack stack = Devstack.start(DevstackOptions.forTests())) {
 *     WorkerConfig config = WorkerConfig.from(stack.env());
 * }
 * }</pre>
 */
public final class Devstack implements AutoCloseable {

    /** The pieces the devstack can run. A new one adds a constant and a case in {@link #startComponent}. */
    public enum Component { KAFKA, S3, ROOMS }

    private final Map<Component, DevstackComponent> components;

    private Devstack(Map<Component, DevstackComponent> components) {
        this.components = components;
    }

    public static Devstack start() {
        return start(DevstackOptions.defaults());
    }

    public static Devstack start(DevstackOptions options) {
        Map<Component, CompletableFuture<DevstackComponent>> pending = new EnumMap<>(Component.class);
        try (ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Component c : options.components()) {
                pending.put(c, CompletableFuture.supplyAsync(() -> startComponent(c, options), starters));
            }
        }
        Map<Component, DevstackComponent> started = new EnumMap<>(Component.class);
        List<Throwable> failures = new ArrayList<>();
        pending.forEach((c, future) -> {
            try {
                started.put(c, future.join());
            } catch (CompletionException e) {
                failures.add(e.getCause());
            }
        });
        Devstack stack = new Devstack(started);
        if (!failures.isEmpty()) {
            stack.close();
            IllegalStateException e = new IllegalStateException("devstack did not start", failures.getFirst());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        return stack;
    }

    private static DevstackComponent startComponent(Component component, DevstackOptions options) {
        return switch (component) {
            case KAFKA -> KafkaBroker.start(options.kafka());
            case S3 -> S3Server.start(options.s3());
            case ROOMS -> RoomServer.start(options.rooms());
        };
    }

    public KafkaBroker kafka() {
        return (KafkaBroker) require(Component.KAFKA);
    }

    public S3Server s3() {
        return (S3Server) require(Component.S3);
    }

    /** The LiveKit-protocol room server: create rooms with synthetic publishers and throw faults through it. */
    public RoomServer rooms() {
        return (RoomServer) require(Component.ROOMS);
    }

    public String kafkaBootstrap() {
        return kafka().bootstrapServers();
    }

    public URI s3Endpoint() {
        return s3().endpoint();
    }

    public String s3Bucket() {
        return s3().options().bucket();
    }

    public String s3Region() {
        return s3().options().region();
    }

    public String s3AccessKeyId() {
        return s3().options().accessKeyId();
    }

    public String s3SecretAccessKey() {
        return s3().options().secretAccessKey();
    }

    /** Every running component's endpoints under the worker's env var names, in component order. */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        components.values().forEach(c -> env.putAll(c.env()));
        return Collections.unmodifiableMap(env);
    }

    private DevstackComponent require(Component component) {
        DevstackComponent c = components.get(component);
        if (c == null) {
            throw new IllegalStateException(component + " is not part of this devstack (see DevstackOptions.components)");
        }
        return c;
    }

    /** Stops every component, the last started first. */
    @Override
    public void close() {
        List<DevstackComponent> reverse = new ArrayList<>(components.values());
        Collections.reverse(reverse);
        reverse.forEach(DevstackComponent::close);
    }
}
