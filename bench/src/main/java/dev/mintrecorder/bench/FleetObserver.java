package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.TopicFollower;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code fleet} scenario's view of {@code recording.status}: for each job its first start (ACCEPTED, or RESUMED
 * when its first delivery was lost), whether that was an ACCEPTED, every RESUMED, and counts of events by type. Keeps
 * no heartbeats, so it stays small however long the fleet runs.
 */
final class FleetObserver implements AutoCloseable {
    /** A job's start on a worker, as its event says; {@code resumed} for a RESUMED event. */
    record Start(String workerId, Instant at, boolean resumed) {
    }

    private final Map<UUID, Start> started = new ConcurrentHashMap<>();
    private final Map<UUID, List<Start>> resumed = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final TopicFollower follower;

    FleetObserver(String bootstrap) {
        follower = new TopicFollower(bootstrap, "fleet-observer", dev.mintrecorder.contracts.Topics.STATUS, null,
                Clock.systemUTC(), this::add);
        follower.start();
    }

    private void add(ConsumerRecord<byte[], byte[]> record) {
        StatusEvent event;
        try {
            event = Messages.decodeStatus(record.value());
        } catch (RuntimeException e) {
            counts.computeIfAbsent("UNDECODABLE", k -> new AtomicLong()).incrementAndGet();
            return;
        }
        counts.computeIfAbsent(event.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT),
                k -> new AtomicLong()).incrementAndGet();
        boolean isResumed = event instanceof StatusEvent.Resumed;
        if (event instanceof StatusEvent.Accepted || isResumed) {
            Start start = new Start(event.workerId(), event.at(), isResumed);
            started.putIfAbsent(event.jobId(), start);
            if (isResumed) {
                resumed.computeIfAbsent(event.jobId(), k -> new CopyOnWriteArrayList<>()).add(start);
            }
        }
    }

    /** The job's first start, if it started. */
    Optional<Start> started(UUID job) {
        return Optional.ofNullable(started.get(job));
    }

    long startedOf(Set<UUID> jobs) {
        return jobs.stream().filter(started::containsKey).count();
    }

    /** The job's first RESUMED after {@code after}, if any. */
    Optional<Start> resumedAfter(UUID job, Instant after) {
        return resumed.getOrDefault(job, List.of()).stream().filter(s -> s.at().isAfter(after)).findFirst();
    }

    /** Events read so far by type (HEARTBEAT, ACCEPTED, ...). */
    Map<String, Long> counts() {
        Map<String, Long> out = new java.util.TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    @Override
    public void close() {
        follower.close();
    }
}
