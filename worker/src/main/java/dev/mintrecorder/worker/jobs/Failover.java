package dev.mintrecorder.worker.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a guardian does with one row of the lease table: the decision, kept pure so it is tested without Kafka.
 *
 * <p>"Alive" is the latest of: the job's last status event, its lease row's last write, and the start of what the
 * guardian read of the partition (on assignment it reads from a minute before the window, so it judges at once). Event
 * and row times are their producers' clocks, capped at the guardian's now.
 */
final class Failover {
    private Failover() {}

    /** The decision. */
    sealed interface Action {
        /** Leave it. */
        record None() implements Action {}

        /** The holder is silent: REQUEUE the lease as {@code attempt} and put the job back on the jobs topic. */
        record Requeue(int attempt) implements Action {}

        /** A REQUEUED job nobody claimed for long: put it on the jobs topic again (a lost re-enqueue). */
        record Reenqueue() implements Action {}

        /** The job's terminal event is on the status topic but its lease is not ENDED: end the lease. */
        record EndLease() implements Action {}

        /** The job has failed over {@code attempts} times: publish FAILED and end the lease. */
        record GiveUp(int attempts) implements Action {}

        /** An ENDED row older than the retention: remove it from the table. */
        record Forget() implements Action {}
    }

    /** The guardian's settings. */
    record Rules(Duration livenessWindow, Duration requeueTimeout, Duration endedRetention, int maxAttempts) {}

    static Action decide(LeaseTable.Row row, Optional<Instant> lastEvent, boolean terminalSeen, Instant guardingSince,
                         Instant now, Rules rules) {
        Lease lease = row.lease();
        if (lease.state() == Lease.State.ENDED) {
            return row.seenAt().plus(rules.endedRetention()).isBefore(now) ? new Action.Forget() : new Action.None();
        }
        if (terminalSeen) {
            return new Action.EndLease();
        }
        Instant alive = latest(row.seenAt(), guardingSince);
        if (lease.state() == Lease.State.REQUEUED) {
            return alive.plus(rules.requeueTimeout()).isBefore(now) ? new Action.Reenqueue() : new Action.None();
        }
        if (lastEvent.isPresent()) {
            alive = latest(alive, lastEvent.get());
        }
        if (!alive.plus(rules.livenessWindow()).isBefore(now)) {
            return new Action.None();
        }
        int next = lease.attempt() + 1;
        return next > rules.maxAttempts() ? new Action.GiveUp(lease.attempt()) : new Action.Requeue(next);
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
