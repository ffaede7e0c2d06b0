package dev.mintrecorder.contracts;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Every event on {@link Topics#STATUS} from the beginning of the topic, in topic order per partition, each with the
 * time it arrived here: how a client watches recordings (the integration tests, the demo, the benchmarks). Reads on a
 * {@link TopicFollower}, so it rides out broker restarts; an event this version cannot decode is skipped.
 *
 * <pre>{@code
 * try (var jobs = RecordingJobs.connect(bootstrap); var status = StatusFeed.start(bootstrap)) {
 *     UUID job = jobs.start(mint, StartOptions.DEFAULTS);
 *     StatusEvent.Joined joined = status.await(job, StatusEvent.Joined.class, Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * Thread-safe. It keeps every event it has read, so it is meant for a bounded run, not a long-lived service.
 */
public final class StatusFeed implements AutoCloseable {
    /** An event and when this process read it. */
    public record Received(StatusEvent event, Instant receivedAt) {
    }

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final List<Received> events = new CopyOnWriteArrayList<>();
    private final Consumer<StatusEvent> listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final TopicFollower follower;

    private StatusFeed(String bootstrapServers, Consumer<StatusEvent> listener) {
        this.listener = listener;
        this.follower = new TopicFollower(bootstrapServers, "status-feed-" + CLIENTS.incrementAndGet(), Topics.STATUS,
                null, Clock.systemUTC(), this::add);
    }

    /** Starts reading the status topic from its beginning. */
    public static StatusFeed start(String bootstrapServers) {
        return start(bootstrapServers, event -> { });
    }

    /**
     * Starts reading the status topic from its beginning; {@code listener} sees each event, on the reading thread,
     * after it is recorded and before any {@link #await} wakes for it.
     */
    public static StatusFeed start(String bootstrapServers, Consumer<StatusEvent> listener) {
        StatusFeed feed = new StatusFeed(bootstrapServers, listener);
        feed.follower.start();
        return feed;
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        StatusEvent event = Messages.decodeStatus(record.value());
        lock.lock();
        try {
            events.add(new Received(event, Instant.now()));
            listener.accept(event);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Every event read so far. */
    public List<StatusEvent> all() {
        return events.stream().map(Received::event).toList();
    }

    /** The job's events read so far. */
    public List<StatusEvent> of(UUID jobId) {
        return events.stream().map(Received::event).filter(e -> e.jobId().equals(jobId)).toList();
    }

    /** The job's events of one type read so far. */
    public <T extends StatusEvent> List<T> of(UUID jobId, Class<T> type) {
        return of(jobId).stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The job's first event of {@code type}, if it has been read. */
    public <T extends StatusEvent> Optional<T> first(UUID jobId, Class<T> type) {
        return of(jobId, type).stream().findFirst();
    }

    /** The job's events with the time each arrived here. */
    public List<Received> received(UUID jobId) {
        return events.stream().filter(r -> r.event().jobId().equals(jobId)).toList();
    }

    /**
     * The events that end a worker's handling of the job: STOPPED, FAILED, and DUPLICATE (the START was refused
     * because the mint is already being recorded). More than one means the job was ended twice.
     */
    public List<StatusEvent> terminal(UUID jobId) {
        return of(jobId).stream().filter(e -> e instanceof StatusEvent.Stopped || e instanceof StatusEvent.Failed
                || e instanceof StatusEvent.Duplicate).toList();
    }

    /** How the job's recording ended: its first STOPPED or FAILED event; empty while it runs. */
    public Optional<StatusEvent> end(UUID jobId) {
        return of(jobId).stream().filter(e -> e instanceof StatusEvent.Stopped || e instanceof StatusEvent.Failed)
                .findFirst();
    }

    /**
     * Waits for the job's first event of {@code type}. Fails early when the job FAILED instead (unless FAILED is what
     * is awaited), and with an {@link IllegalStateException} after {@code timeout}.
     */
    public <T extends StatusEvent> T await(UUID jobId, Class<T> type, Duration timeout) {
        boolean found;
        try {
            found = await(() -> first(jobId, type).isPresent()
                    || type != StatusEvent.Failed.class && first(jobId, StatusEvent.Failed.class).isPresent(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for job " + jobId, e);
        }
        Optional<T> event = first(jobId, type);
        if (event.isPresent()) {
            return event.get();
        }
        if (found) {
            throw new IllegalStateException("job " + jobId + " FAILED: "
                    + first(jobId, StatusEvent.Failed.class).orElseThrow().error());
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " for job " + jobId + " within " + timeout);
    }

    /**
     * Waits until {@code condition} holds, checking it now and again after each event (and after any listener has
     * seen it); returns whether it holds, false once {@code timeout} has passed.
     */
    public boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = arrived.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Completes once every event on the topic at the time of the call has been read. */
    public CompletableFuture<Void> sync() {
        return follower.sync();
    }

    @Override
    public void close() {
        follower.close();
    }
}
