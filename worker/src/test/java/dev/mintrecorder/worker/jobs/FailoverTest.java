package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class FailoverTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    private static final Failover.Rules RULES = new Failover.Rules(Duration.ofSeconds(15), Duration.ofMinutes(2),
            Duration.ofHours(1), 3);
    private static final RecordingJob JOB = new RecordingJob(UUID.randomUUID(),
            new MintId("So11111111111111111111111111111111111111112"), null, null, 3600, 6, null, T0, 1);

    private static LeaseTable.Row row(Lease.State state, int attempt, Instant seen) {
        return new LeaseTable.Row(new Lease(state, JOB, "w1", attempt, 7, T0), 7, 7, seen);
    }

    private static Failover.Action decide(LeaseTable.Row row, Instant lastEvent, boolean terminal, Instant since,
                                          Instant now) {
        return Failover.decide(row, Optional.ofNullable(lastEvent), terminal, since, now, RULES);
    }

    @Test
    void aRecordingThatKeepsPublishingIsLeftAlone() {
        assertInstanceOf(Failover.Action.None.class,
                decide(row(Lease.State.CLAIMED, 1, T0), T0.plusSeconds(50), false, T0, T0.plusSeconds(60)));
    }

    @Test
    void aRecordingSilentForTheWindowIsRequeuedAsTheNextAttempt() {
        Failover.Action a = decide(row(Lease.State.CLAIMED, 1, T0), T0.plusSeconds(30), false, T0,
                T0.plusSeconds(46));
        assertEquals(2, assertInstanceOf(Failover.Action.Requeue.class, a).attempt());
    }

    @Test
    void aNewGuardianWaitsAWholeWindowBeforeJudging() {
        // It took the partition over at T0+100 s and has seen no event yet: not before T0+115 s.
        assertInstanceOf(Failover.Action.None.class,
                decide(row(Lease.State.CLAIMED, 1, T0), null, false, T0.plusSeconds(100), T0.plusSeconds(110)));
        assertInstanceOf(Failover.Action.Requeue.class,
                decide(row(Lease.State.CLAIMED, 1, T0), null, false, T0.plusSeconds(100), T0.plusSeconds(116)));
    }

    @Test
    void aTerminalEventWithoutAnEndedLeaseEndsTheLeaseInsteadOfRequeueing() {
        assertInstanceOf(Failover.Action.EndLease.class,
                decide(row(Lease.State.CLAIMED, 1, T0), T0, true, T0, T0.plusSeconds(100)));
    }

    @Test
    void theLastAttemptGivesUpInsteadOfRequeueing() {
        assertEquals(3, assertInstanceOf(Failover.Action.GiveUp.class,
                decide(row(Lease.State.CLAIMED, 3, T0), T0, false, T0, T0.plusSeconds(100))).attempts());
    }

    @Test
    void aRequeuedJobIsEnqueuedAgainOnlyAfterTheRequeueTimeout() {
        assertInstanceOf(Failover.Action.None.class,
                decide(row(Lease.State.REQUEUED, 2, T0), null, false, T0, T0.plusSeconds(100)));
        assertInstanceOf(Failover.Action.Reenqueue.class,
                decide(row(Lease.State.REQUEUED, 2, T0), null, false, T0, T0.plusSeconds(121)));
    }

    @Test
    void endedRowsAreForgottenAfterTheRetention() {
        assertInstanceOf(Failover.Action.None.class,
                decide(row(Lease.State.ENDED, 1, T0), null, true, T0, T0.plusSeconds(60)));
        assertInstanceOf(Failover.Action.Forget.class,
                decide(row(Lease.State.ENDED, 1, T0), null, true, T0, T0.plusSeconds(3601)));
    }
}
