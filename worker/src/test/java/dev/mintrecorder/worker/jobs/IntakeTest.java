package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StopCommand;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntakeTest {
    private static final Instant T0 = Instant.parse("2026-11-24T12:00:00Z");
    private static final MintId MINT = new MintId("So11111111111111111111111111111111111111112");

    /** The world as the views would report it: plain maps. */
    private record World(Map<MintId, StopCommand> stops, Map<MintId, Intake.LiveHolder> live,
                         Map<UUID, Intake.JobLease> leases) implements Intake.Views {
        static World empty() {
            return new World(Map.of(), Map.of(), Map.of());
        }

        @Override
        public Optional<StopCommand> stopFor(MintId mint) {
            return Optional.ofNullable(stops.get(mint));
        }

        @Override
        public Optional<Intake.LiveHolder> liveHolder(MintId mint) {
            return Optional.ofNullable(live.get(mint));
        }

        @Override
        public Optional<Intake.JobLease> lease(UUID jobId) {
            return Optional.ofNullable(leases.get(jobId));
        }
    }

    private static RecordingJob job(int attempt) {
        return new RecordingJob(UUID.randomUUID(), MINT, null, null, 3600, 6, null, T0, attempt);
    }

    private static byte[] bytes(RecordingJob job) {
        return Messages.encode(job);
    }

    private static StopCommand stop(StopCommand.JobSelector which, Instant at) {
        return new StopCommand(MINT, which, at, "requested by test");
    }

    @Test
    void malformedBytesAreRejectedWithTheDecoderReason() {
        Intake.Action a = Intake.classify("{not json".getBytes(StandardCharsets.UTF_8), 1, World.empty());
        Intake.Reject reject = assertInstanceOf(Intake.Reject.class, a);
        assertTrue(reject.reason().startsWith("malformed JSON"), reject.reason());
    }

    @Test
    void emptyAndNullValuesAreRejected() {
        assertInstanceOf(Intake.Reject.class, Intake.classify(new byte[0], 1, World.empty()));
        assertInstanceOf(Intake.Reject.class, Intake.classify(null, 1, World.empty()));
    }

    @Test
    void aFreshJobIsRecordedAsAttemptOne() {
        RecordingJob job = job(1);
        Intake.Record r = assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job), 1, World.empty()));
        assertEquals(job, r.job());
        assertEquals(1, r.attempt());
        assertFalse(r.resume());
    }

    @Test
    void aRedeliveredJobIsAResumeWithTheNextAttempt() {
        Intake.Record r = assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job(1)), 2, World.empty()));
        assertTrue(r.resume());
        assertEquals(2, r.attempt());
    }

    @Test
    void aHandedOverJobIsAResumeEvenOnFirstDelivery() {
        Intake.Record r = assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job(2)), 1, World.empty()));
        assertTrue(r.resume());
        assertEquals(2, r.attempt());
    }

    @Test
    void attemptIsCappedAtTheContractMaximum() {
        Intake.Record r = assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job(99)), 10, World.empty()));
        assertEquals(100, r.attempt());
    }

    @Test
    void aStopNamingTheJobStopsItBeforeStart() {
        RecordingJob job = job(1);
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.of(job.jobId()), T0.minusSeconds(60))),
                Map.of(), Map.of());
        Intake.AlreadyStopped s = assertInstanceOf(Intake.AlreadyStopped.class,
                Intake.classify(bytes(job), 1, world));
        assertEquals("requested by test", s.reason());
    }

    @Test
    void aStopForAnyJobStopsOnlyJobsRequestedBeforeIt() {
        RecordingJob job = job(1);
        World later = new World(Map.of(MINT, stop(StopCommand.JobSelector.ANY, T0.plusSeconds(1))), Map.of(), Map.of());
        World earlier = new World(Map.of(MINT, stop(StopCommand.JobSelector.ANY, T0.minusSeconds(1))), Map.of(),
                Map.of());
        assertInstanceOf(Intake.AlreadyStopped.class, Intake.classify(bytes(job), 1, later));
        assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job), 1, earlier));
    }

    @Test
    void aStopForAnotherJobOfTheMintDoesNotStopThisOne() {
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.of(UUID.randomUUID()), T0.plusSeconds(5))),
                Map.of(), Map.of());
        assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job(1)), 1, world));
    }

    @Test
    void anotherLiveJobOfTheMintMakesADuplicate() {
        Intake.LiveHolder holder = new Intake.LiveHolder(UUID.randomUUID(), "worker-b", 1);
        World world = new World(Map.of(), Map.of(MINT, holder), Map.of());
        Intake.Duplicate d = assertInstanceOf(Intake.Duplicate.class, Intake.classify(bytes(job(1)), 1, world));
        assertEquals(holder, d.holder());
    }

    @Test
    void aJobClaimedByAWorkerIsOnlyAcknowledgedEvenWithAStop() {
        // A stale redelivery (its first ACCEPT was lost): the claiming worker records it and handles the STOP itself,
        // so no second terminal event comes from here.
        RecordingJob job = job(1);
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.of(job.jobId()), T0)),
                Map.of(MINT, new Intake.LiveHolder(job.jobId(), "worker-a", 1)),
                Map.of(job.jobId(), new Intake.JobLease(Lease.State.CLAIMED, "worker-a", 1)));
        Intake.AlreadyClaimed c = assertInstanceOf(Intake.AlreadyClaimed.class, Intake.classify(bytes(job), 2, world));
        assertEquals("worker-a", c.lease().workerId());
    }

    @Test
    void aRequeuedJobIsResumedAsTheLeasesAttemptEvenOnFirstDelivery() {
        // The guardian re-enqueued the job as attempt 4; a broker restart may also leave deliveryCount at 1.
        RecordingJob job = job(1);
        World world = new World(Map.of(), Map.of(MINT, new Intake.LiveHolder(job.jobId(), "guardian", 4)),
                Map.of(job.jobId(), new Intake.JobLease(Lease.State.REQUEUED, "guardian", 4)));
        Intake.Record r = assertInstanceOf(Intake.Record.class, Intake.classify(bytes(job), 1, world));
        assertTrue(r.resume());
        assertEquals(4, r.attempt());
    }

    @Test
    void aRequeuedJobWithAStopOnTheTableEndsStoppedWithoutRecording() {
        RecordingJob job = job(2);
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.of(job.jobId()), T0)),
                Map.of(MINT, new Intake.LiveHolder(job.jobId(), "w", 2)),
                Map.of(job.jobId(), new Intake.JobLease(Lease.State.REQUEUED, "w", 2)));
        assertInstanceOf(Intake.AlreadyStopped.class, Intake.classify(bytes(job), 1, world));
    }

    @Test
    void anEndedJobIsOnlyAcknowledgedWhateverElseIsKnown() {
        RecordingJob job = job(1);
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.ANY, T0.plusSeconds(1))),
                Map.of(MINT, new Intake.LiveHolder(UUID.randomUUID(), "w", 1)),
                Map.of(job.jobId(), new Intake.JobLease(Lease.State.ENDED, "w", 1)));
        assertInstanceOf(Intake.AlreadyEnded.class, Intake.classify(bytes(job), 3, world));
    }

    @Test
    void aStopWinsOverADuplicate() {
        RecordingJob job = job(1);
        World world = new World(Map.of(MINT, stop(StopCommand.JobSelector.of(job.jobId()), T0)),
                Map.of(MINT, new Intake.LiveHolder(UUID.randomUUID(), "w", 1)), Map.of());
        assertInstanceOf(Intake.AlreadyStopped.class, Intake.classify(bytes(job), 1, world));
    }
}
