package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.events.EventPublisher;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.ops.KafkaClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Fails over the recordings whose worker went silent. The workers form one consumer group on {@link Topics#STATUS}
 * (no member cap, unlike a share group); each status partition has one guardian, which reads only that partition's
 * events and watches the leases of the mints that hash to it. A job whose lease is CLAIMED but which published nothing
 * for the liveness window is REQUEUED as its next attempt and put back on the jobs topic; the worker that takes it
 * resumes it. What a guardian reads is its partitions' share of the status traffic, not the fleet's.
 *
 * <p>{@link Failover} decides; this class is the consumer, the clock and the writes around it.
 */
final class Guardian implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Guardian.class);
    private static final Duration POLL = Duration.ofMillis(250);
    /** How often the leases are judged. */
    private static final Duration CHECK_EVERY = Duration.ofMillis(500);
    /** Read this much before the window on assignment, so a terminal event just before it is still seen. */
    private static final Duration EXTRA_LOOKBACK = Duration.ofMinutes(1);
    private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(1);
    /** Consecutive failed rounds before the worker reports the guardian down: one transient error is not an outage. */
    static final int FAILING_AFTER = 3;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String workerId;
    private final Clock clock;
    private final Failover.Rules rules;
    private final LeaseTable leases;
    private final LeaseWriter writer;
    private final EventPublisher publisher;
    private final Recordings local;
    private final JobMetrics metrics;
    private final Thread thread;
    /**
     * The status partitions guarded now, and from when their events were read: judged only once caught up, as if
     * guarded since then.
     */
    private final Map<Integer, Instant> guarding = new ConcurrentHashMap<>();
    /** How far the guarded partitions have been read, in time: each is judged as of its mark, not as of now. */
    private final ReadMarks marks = new ReadMarks();
    /**
     * When this guardian last regained the broker after losing it: the events its workers buffered meanwhile arrive
     * late, so nothing is judged until a whole window after.
     */
    private Instant reconnectedAt = Instant.MIN;
    private boolean reachable = true;
    private final Map<UUID, Instant> lastEvent = new HashMap<>();
    private final Map<UUID, Instant> terminal = new HashMap<>();
    private volatile boolean closing;
    /** Why the guardian is not guarding, while it is not; null while it works. */
    private volatile String failing;
    private int consecutiveErrors;
    private int statusPartitions;
    private Instant lastCheck = Instant.MIN;

    Guardian(KafkaClientConfig kafka, String workerId, Clock clock, Failover.Rules rules, Duration sessionTimeout,
             LeaseTable leases, LeaseWriter writer, EventPublisher publisher, Recordings local, JobMetrics metrics) {
        this.workerId = workerId;
        this.clock = clock;
        this.rules = rules;
        this.leases = leases;
        this.writer = writer;
        this.publisher = publisher;
        this.local = local;
        this.metrics = metrics;
        Map<String, Object> c = new HashMap<>(kafka.clientProperties());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, Topics.GUARDIAN_GROUP);
        // The classic protocol: its session timeout is the client's to set (the broker allows 6 s and up by default),
        // while KIP-848's is the broker's (45 s at least by default). It bounds how long a dead guardian's
        // partitions go unguarded.
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(100, sessionTimeout.toMillis() / 3));
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, workerId + "-guardian");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = Thread.ofPlatform().name(workerId + "-guardian").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /**
     * Why this worker's guardian is not doing its share of failover, if it is not: {@value #FAILING_AFTER} failed
     * rounds in a row, or its thread ended. The worker is then not ready, so the fleet sees it (a worker that
     * cannot guard must not look healthy), and the other guardians take its partitions once its session lapses.
     */
    Optional<String> down() {
        return Optional.ofNullable(failing);
    }

    private void failed(RuntimeException e) {
        metrics.guardianErrors.increment();
        consecutiveErrors++;
        String why = Validation.safeText(e.toString());
        if (consecutiveErrors >= FAILING_AFTER && failing == null) {
            failing = "guardian failing (" + consecutiveErrors + " rounds in a row): " + why;
            log.error("guardian: {} rounds failed in a row, worker not ready until one succeeds: {}{}",
                    consecutiveErrors, why, remedy(e));
        } else {
            log.error("guardian: {} (carrying on)", why);
        }
    }

    private static String remedy(Throwable e) {
        return GroupRemedy.of(e, Topics.GUARDIAN_GROUP, "raise the broker's group.max.size (classic groups; one member "
                + "per worker, unlimited by default).", "the topics " + Topics.STATUS + " and " + Topics.LEASES);
    }

    private void recovered() {
        if (consecutiveErrors > 0 && failing != null) {
            log.info("guardian: working again after {} failed rounds", consecutiveErrors);
        }
        consecutiveErrors = 0;
        failing = null;
    }

    /** Status partitions this worker guards now. */
    int guarded() {
        return guarding.size();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.STATUS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned(partitions);
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(p -> forget(p.partition()));
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    partitions.forEach(p -> forget(p.partition()));
                }
            });
            while (!closing) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                        apply(r);
                    }
                    Instant now = clock.instant();
                    if (!lastCheck.plus(CHECK_EVERY).isAfter(now)) {
                        lastCheck = now;
                        check(now);
                    }
                    recovered();
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    failed(e);
                    sleep();
                }
            }
        } catch (RuntimeException | Error e) {
            failing = "guardian thread ended: " + Validation.safeText(e.toString());
            log.error("guardian: thread ended: {}; this worker fails over nothing until restarted", failing, e);
            throw e;
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void assigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        statusPartitions = consumer.partitionsFor(Topics.STATUS).size();
        Instant now = clock.instant();
        long since = now.minus(rules.livenessWindow()).minus(EXTRA_LOOKBACK).toEpochMilli();
        Map<TopicPartition, OffsetAndTimestamp> from = consumer.offsetsForTimes(
                partitions.stream().collect(Collectors.toMap(p -> p, p -> since)));
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = from.get(p);
            if (at != null) {
                consumer.seek(p, at.offset());
            } else {
                consumer.seekToEnd(List.of(p));
            }
            forget(p.partition());
            guarding.put(p.partition(), Instant.ofEpochMilli(since));
        }
        log.info("guardian: now guarding status partition(s) {}", partitions.stream().map(TopicPartition::partition)
                .sorted().toList());
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        StatusEvent e;
        try {
            e = Messages.decodeStatus(r.value());
        } catch (InvalidMessageException ignored) {
            return;
        }
        // The event's own time (its producer's clock), never later than now: a guardian reading the last minute on
        // assignment knows at once who went silent. Clock skew between workers shortens the window by the skew.
        Instant now = clock.instant();
        Instant at = Instant.ofEpochMilli(Math.min(r.timestamp(), now.toEpochMilli()));
        if (e instanceof StatusEvent.Stopped || e instanceof StatusEvent.Failed) {
            terminal.put(e.jobId(), at);
        } else {
            lastEvent.merge(e.jobId(), at, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    private void check(Instant now) {
        if (guarding.isEmpty()) {
            return;
        }
        Map<Integer, Instant> current = caughtUp(now);
        for (LeaseTable.Row row : List.copyOf(leases.all())) {
            Lease lease = row.lease();
            int partition = partitionOf(lease);
            Instant since = guarding.get(partition);
            Instant asOf = current.get(partition);
            if (since == null || asOf == null) {
                continue; // not ours to guard, or not caught up with it (just assigned, or cut off from the broker)
            }
            since = since.isAfter(reconnectedAt) ? since : reconnectedAt;
            if (lease.workerId().equals(workerId) && local.find(lease.jobId()).isPresent()) {
                continue; // recording right here
            }
            Failover.Action action = Failover.decide(row, Optional.ofNullable(lastEvent.get(lease.jobId())),
                    terminal.containsKey(lease.jobId()), since, asOf, rules);
            try {
                act(row, action);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("guardian: job {}: {} not done: {}", lease.jobId(), action,
                        Validation.safeText(e.toString()));
            }
        }
        prune(now);
    }

    private void act(LeaseTable.Row row, Failover.Action action) throws Exception {
        Lease l = row.lease();
        switch (action) {
            case Failover.Action.None n -> { }
            case Failover.Action.Requeue rq -> {
                log.warn("guardian: job {} (mint {}) on {} went silent at attempt {}; failing it over as attempt {}",
                        l.jobId(), l.mintId(), l.workerId(), l.attempt(), rq.attempt());
                writer.write(Lease.State.REQUEUED, l.job(), rq.attempt(), row.order());
                publisher.requeue(LeaseWriter.asAttempt(l.job(), rq.attempt())).get();
                metrics.failovers.increment();
            }
            case Failover.Action.Reenqueue re -> {
                log.warn("guardian: job {} was REQUEUED as attempt {} but nobody claimed it; enqueueing it again",
                        l.jobId(), l.attempt());
                writer.write(Lease.State.REQUEUED, l.job(), l.attempt(), row.order());
                publisher.requeue(LeaseWriter.asAttempt(l.job(), l.attempt())).get();
            }
            case Failover.Action.EndLease e -> {
                log.info("guardian: job {} published its end but its lease was not ended; ending it", l.jobId());
                writer.write(Lease.State.ENDED, l.job(), l.attempt(), row.order());
            }
            case Failover.Action.GiveUp g -> {
                log.error("guardian: job {} (mint {}) failed over {} times without finishing; giving up "
                        + "(JOBS_MAX_ATTEMPTS)", l.jobId(), l.mintId(), g.attempts());
                new JobEvents(publisher, clock, l.jobId(), l.mintId(), workerId, g.attempts())
                        .failed(StatusEvent.FailureCode.INTERNAL, "failed over " + g.attempts()
                                + " times without finishing (JOBS_MAX_ATTEMPTS); giving up", StatusEvent.Scope.SESSION,
                                null);
                writer.write(Lease.State.ENDED, l.job(), l.attempt(), row.order());
                metrics.givenUp.increment();
            }
            case Failover.Action.Forget f -> writer.forget(l.job());
        }
    }

    /**
     * For each guarded partition this guardian has caught up with, the instant as of which it has read every event
     * (see {@link ReadMarks}). A guardian that cannot reach the broker judges nothing, and one that reaches it again
     * waits a window for the events held up meanwhile.
     */
    private Map<Integer, Instant> caughtUp(Instant now) {
        Set<Integer> toAsk = marks.toAsk(consumer.assignment().stream()
                .collect(Collectors.toMap(TopicPartition::partition, consumer::position)));
        if (!toAsk.isEmpty()) {
            Map<TopicPartition, Long> ends;
            try {
                ends = consumer.endOffsets(toAsk.stream().map(p -> new TopicPartition(Topics.STATUS, p)).toList(),
                        END_OFFSETS_TIMEOUT);
            } catch (WakeupException e) {
                throw e; // closing
            } catch (org.apache.kafka.common.KafkaException e) {
                if (reachable) {
                    log.warn("guardian: broker unreachable ({}); judging nothing until it is back",
                            Validation.safeText(e.toString()));
                }
                reachable = false;
                return Map.of();
            }
            marks.asked(ends.entrySet().stream().collect(Collectors.toMap(e -> e.getKey().partition(),
                    Map.Entry::getValue)), now);
        }
        if (!reachable) {
            reachable = true;
            reconnectedAt = now;
            log.info("guardian: broker reachable again; judging again after {}", rules.livenessWindow());
        }
        return marks.asOf();
    }

    private void forget(int partition) {
        guarding.remove(partition);
        marks.forget(partition);
    }

    /** The status partition a mint's events go to: Kafka's default partitioner on the mint key. */
    private int partitionOf(Lease lease) {
        byte[] key = lease.mintId().value().getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % statusPartitions;
    }

    /** Forgets what no active lease needs. */
    private void prune(Instant now) {
        Set<UUID> active = leases.active().stream().map(r -> r.lease().jobId()).collect(Collectors.toSet());
        lastEvent.keySet().retainAll(active);
        terminal.values().removeIf(at -> at.plus(rules.endedRetention()).isBefore(now));
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
