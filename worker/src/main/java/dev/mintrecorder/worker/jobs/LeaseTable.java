package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.MintId;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lease table as the records of {@link dev.mintrecorder.contracts.Topics#LEASES} build it, kept pure so the
 * rules are tested without Kafka. The latest record of a job is its state. <b>A mint is held by its active job with the
 * earliest claim</b>: every reader applies the records of one mint in the same order (one partition), so every worker
 * agrees on the winner of two STARTs claimed in the same instant, and a job that fails over keeps its place.
 * Thread-safe: one follower thread applies, any thread reads.
 */
final class LeaseTable {
    /** A job's latest lease, with where it sits in the topic and when it was written (never later than when seen). */
    record Row(Lease lease, long offset, long order, Instant seenAt) {}

    private final Map<UUID, Row> byJob = new ConcurrentHashMap<>();
    private final Map<MintId, Set<UUID>> activeByMint = new ConcurrentHashMap<>();

    /** Applies one record: {@code lease} null is a tombstone (the job's row is forgotten). */
    void apply(long offset, UUID jobId, Lease lease, Instant seenAt) {
        Row old = byJob.get(jobId);
        if (old != null) {
            forgetActive(old);
        }
        if (lease == null) {
            byJob.remove(jobId);
            return;
        }
        long order = lease.order() == Lease.FIRST_CLAIM ? (old != null ? old.order() : offset) : lease.order();
        Row row = new Row(lease, offset, order, seenAt);
        byJob.put(jobId, row);
        if (lease.state().active()) {
            activeByMint.computeIfAbsent(lease.mintId(), m -> ConcurrentHashMap.newKeySet()).add(jobId);
        }
    }

    Optional<Row> row(UUID jobId) {
        return Optional.ofNullable(byJob.get(jobId));
    }

    /** The active job holding {@code mint}: the one claimed first. */
    Optional<Row> holder(MintId mint) {
        return activeByMint.getOrDefault(mint, Set.of()).stream()
                .map(byJob::get)
                .filter(r -> r != null && r.lease().state().active())
                .min(Comparator.comparingLong(Row::order).thenComparing(r -> r.lease().jobId()));
    }

    /** Every active job (the guardians' worklist). */
    List<Row> active() {
        return byJob.values().stream().filter(r -> r.lease().state().active()).toList();
    }

    Collection<Row> all() {
        return byJob.values();
    }

    private void forgetActive(Row old) {
        Set<UUID> jobs = activeByMint.get(old.lease().mintId());
        if (jobs != null) {
            jobs.remove(old.lease().jobId());
            if (jobs.isEmpty()) {
                activeByMint.remove(old.lease().mintId(), jobs);
            }
        }
    }
}
