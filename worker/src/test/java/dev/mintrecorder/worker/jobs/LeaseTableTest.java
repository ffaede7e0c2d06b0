package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseTableTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    private static final MintId MINT = new MintId("So11111111111111111111111111111111111111112");

    private static RecordingJob job() {
        return new RecordingJob(UUID.randomUUID(), MINT, null, null, 3600, 6, null, T0, 1);
    }

    private static Lease lease(Lease.State state, RecordingJob job, String worker, int attempt, long order) {
        return new Lease(state, job, worker, attempt, order, T0);
    }

    @Test
    void twoClaimsForOneMintAtOnceAreWonByTheEarlierInTheLogWhateverOrderTheyWereMadeIn() {
        RecordingJob a = job();
        RecordingJob b = job();
        LeaseTable t = new LeaseTable();
        t.apply(10, b.jobId(), lease(Lease.State.CLAIMED, b, "w2", 1, Lease.FIRST_CLAIM), T0);
        t.apply(11, a.jobId(), lease(Lease.State.CLAIMED, a, "w1", 1, Lease.FIRST_CLAIM), T0);
        assertEquals(b.jobId(), t.holder(MINT).orElseThrow().lease().jobId());
        // The loser ends its claim; the winner still holds the mint.
        t.apply(12, a.jobId(), lease(Lease.State.ENDED, a, "w1", 1, 11), T0);
        assertEquals(b.jobId(), t.holder(MINT).orElseThrow().lease().jobId());
        assertEquals(1, t.active().size());
    }

    @Test
    void aJobThatFailsOverKeepsItsPlaceAheadOfALaterStart() {
        RecordingJob a = job();
        RecordingJob later = job();
        LeaseTable t = new LeaseTable();
        t.apply(5, a.jobId(), lease(Lease.State.CLAIMED, a, "w1", 1, Lease.FIRST_CLAIM), T0);
        t.apply(9, a.jobId(), lease(Lease.State.REQUEUED, a, "guardian", 2, 5), T0);
        t.apply(10, later.jobId(), lease(Lease.State.CLAIMED, later, "w3", 1, Lease.FIRST_CLAIM), T0);
        assertEquals(a.jobId(), t.holder(MINT).orElseThrow().lease().jobId(), "the requeued job still holds the mint");
        t.apply(11, a.jobId(), lease(Lease.State.CLAIMED, a, "w2", 2, 5), T0);
        LeaseTable.Row row = t.row(a.jobId()).orElseThrow();
        assertEquals(5, row.order());
        assertEquals("w2", row.lease().workerId());
    }

    @Test
    void anEndedJobFreesTheMintAndATombstoneForgetsIt() {
        RecordingJob a = job();
        LeaseTable t = new LeaseTable();
        t.apply(1, a.jobId(), lease(Lease.State.CLAIMED, a, "w1", 1, Lease.FIRST_CLAIM), T0);
        t.apply(2, a.jobId(), lease(Lease.State.ENDED, a, "w1", 1, 1), T0);
        assertTrue(t.holder(MINT).isEmpty());
        assertEquals(Lease.State.ENDED, t.row(a.jobId()).orElseThrow().lease().state());
        t.apply(3, a.jobId(), null, T0);
        assertTrue(t.row(a.jobId()).isEmpty());
    }

    @Test
    void afterCompactionOnlyTheLatestRowOfEachJobIsLeftAndTheWinnerIsTheSame() {
        // What a worker starting late reads: each job's last row, which carries the first claim's offset as its order.
        RecordingJob a = job();
        RecordingJob b = job();
        LeaseTable t = new LeaseTable();
        t.apply(20, b.jobId(), lease(Lease.State.CLAIMED, b, "w2", 3, 8), T0);
        t.apply(21, a.jobId(), lease(Lease.State.CLAIMED, a, "w1", 1, 12), T0);
        assertEquals(b.jobId(), t.holder(MINT).orElseThrow().lease().jobId());
    }

    @Test
    void aLeaseSurvivesItsEncoding() {
        Lease l = lease(Lease.State.REQUEUED, job(), "w1", 3, 42);
        assertEquals(l, Lease.decode(l.encode()));
    }
}
