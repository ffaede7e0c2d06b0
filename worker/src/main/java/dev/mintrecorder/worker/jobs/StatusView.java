package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.TopicFollower;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which mints are being recorded right now, from the {@link Topics#STATUS} events of every worker: a job is live while
 * its latest sign of life (ACCEPTED, RESUMED, HEARTBEAT, JOINED, SEGMENT) is within the liveness window and it has not
 * ended (STOPPED, FAILED). Also remembers which jobs ended, so a job whose final ACCEPT was lost (broker outage) is not
 * recorded again. Reads from {@code lookback} before start.
 */
final class StatusView implements AutoCloseable {
    private final Map<MintId, Map<UUID, Seen>> byMint = new ConcurrentHashMap<>();
    private final Map<UUID, Instant> ended = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final Clock clock;
    private final Duration livenessWindow;
    private final Duration lookback;

    private static final long PRUNE_EVERY_MS = 1_000;
    private long lastPrune; // touched only on the follower thread

    private record Seen(String workerId, Instant lastAlive, int attempt) {}

    StatusView(KafkaClientConfig kafka, String workerId, Clock clock, Duration livenessWindow, Duration lookback) {
        this.clock = clock;
        this.livenessWindow = livenessWindow;
        this.lookback = lookback;
        this.follower = new TopicFollower(kafka.clientProperties(), workerId + "-status", Topics.STATUS, lookback, clock,
                this::apply);
    }

    void start() {
        follower.start();
    }

    /** Completes once every event written before the call has been applied. */
    CompletableFuture<Void> sync() {
        return follower.sync();
    }

    Optional<Intake.LiveHolder> liveHolder(MintId mint) {
        Instant cutoff = clock.instant().minus(livenessWindow);
        Map<UUID, Seen> jobs = byMint.getOrDefault(mint, Map.of());
        return jobs.entrySet().stream()
                .filter(e -> e.getValue().lastAlive().isAfter(cutoff) && !ended.containsKey(e.getKey()))
                .max(Map.Entry.comparingByValue(java.util.Comparator.comparing(Seen::lastAlive)))
                .map(e -> new Intake.LiveHolder(e.getKey(), e.getValue().workerId(), e.getValue().attempt()));
    }

    boolean ended(UUID jobId) {
        return ended.containsKey(jobId);
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        StatusEvent event;
        try {
            event = Messages.decodeStatus(r.value());
        } catch (InvalidMessageException e) {
            return; // not ours to judge: a consumer of status events with a newer schema may understand it
        }
        switch (event) {
            case StatusEvent.Stopped s -> ended.put(s.jobId(), s.at());
            case StatusEvent.Failed f -> ended.put(f.jobId(), f.at());
            case StatusEvent.Accepted e -> alive(e);
            case StatusEvent.Resumed e -> alive(e);
            case StatusEvent.Heartbeat e -> alive(e);
            case StatusEvent.Joined e -> alive(e);
            case StatusEvent.Segment e -> alive(e);
            case StatusEvent.Stalled e -> alive(e);
            case StatusEvent.TargetLeft e -> alive(e);
            case StatusEvent.Rejected e -> { }
            case StatusEvent.Duplicate e -> { }
        }
        prune();
    }

    private void alive(StatusEvent e) {
        byMint.computeIfAbsent(e.mintId(), m -> new ConcurrentHashMap<>())
                .merge(e.jobId(), new Seen(e.workerId(), e.at(), e.attempt()),
                        (old, now) -> now.lastAlive().isAfter(old.lastAlive()) ? now : old);
    }

    /** Forgets what can no longer matter, so the view stays as small as the recent traffic. */
    private void prune() {
        if (clock.millis() - lastPrune < PRUNE_EVERY_MS) {
            return;
        }
        lastPrune = clock.millis();
        Instant liveCutoff = clock.instant().minus(livenessWindow);
        Instant endedCutoff = clock.instant().minus(lookback);
        byMint.values().forEach(jobs -> jobs.values().removeIf(s -> s.lastAlive().isBefore(liveCutoff)));
        byMint.values().removeIf(Map::isEmpty);
        ended.values().removeIf(at -> at.isBefore(endedCutoff));
    }

    @Override
    public void close() {
        follower.close();
    }
}
