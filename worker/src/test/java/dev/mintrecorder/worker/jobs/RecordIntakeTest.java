package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.StopCommand;
import dev.mintrecorder.contracts.Topics;
import dev.mintrecorder.contracts.Validation;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RecordIntake}: every acquired record is acknowledged exactly once, whatever it holds and whatever throws. */
class RecordIntakeTest {
    private static final MintId MINT = new MintId("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    private static final UUID JOB = UUID.fromString("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    private static final String HEAD = "{\"schema\":1,\"job_id\":\"" + JOB + "\",\"mint_id\":\"" + MINT
            + "\",\"requested_at\":\"2026-11-24T23:00:00Z\"";

    private final IntakeHarness h = new IntakeHarness();

    private RecordIntake.Outcome handle(String json) {
        return h.handle(IntakeHarness.record(42, json.getBytes(StandardCharsets.UTF_8), 1));
    }

    @Test
    void theTwoMessagesThatOnceJammedEverySlotAreDeadLettered() {
        for (String json : List.of(HEAD + ",\"a\\nb\":1,\"a\\nb\":2}",
                HEAD + ",\"" + "k".repeat(600) + "\":1,\"" + "k".repeat(600) + "\":2}")) {
            IntakeHarness fresh = new IntakeHarness();
            RecordIntake.Outcome outcome = fresh.handle(IntakeHarness.record(7, json.getBytes(StandardCharsets.UTF_8), 1));
            assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.REJECT), outcome);
            assertEquals(List.of(AcknowledgeType.REJECT), fresh.acks);
            DlqRecord dead = fresh.deadLetters.getFirst();
            assertTrue(dead.reason().startsWith("malformed JSON at line 1 column "), dead.reason());
            assertTrue(dead.reason().contains("Duplicate field"), dead.reason());
            assertEquals(new DlqRecord.Source(Topics.JOBS, 0, 7), dead.source());
            StatusEvent.Rejected rejected = assertInstanceOf(StatusEvent.Rejected.class, fresh.events.getFirst());
            assertEquals(JOB, rejected.jobId(), "the job's own id, not a placeholder");
            assertEquals(MINT, rejected.mintId());
            assertEquals(dead.reason(), rejected.reason());
            assertEquals(dead.source(), rejected.source());
        }
    }

    @Test
    void aCoercedTypeIsRejectedWithItsIds() {
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.REJECT), handle(HEAD + ",\"room\":12345}"));
        assertEquals("wrong type for field room: expected string", h.deadLetters.getFirst().reason());
        StatusEvent.Rejected rejected = assertInstanceOf(StatusEvent.Rejected.class, h.events.getFirst());
        assertEquals(JOB, rejected.jobId());
    }

    @Test
    void unreadableIdsGetThePlaceholders() {
        handle("not json");
        StatusEvent.Rejected rejected = assertInstanceOf(StatusEvent.Rejected.class, h.events.getFirst());
        assertEquals(StatusEvent.Rejected.UNKNOWN_JOB, rejected.jobId());
        assertEquals(StatusEvent.Rejected.UNKNOWN_MINT, rejected.mintId());
        assertEquals(new DlqRecord.Source(Topics.JOBS, 0, 42), rejected.source());
    }

    @Test
    void aValidJobIsLeftToTheSlotUnacknowledged() {
        RecordIntake.Outcome outcome = handle(HEAD + "}");
        RecordIntake.Outcome.Take take = assertInstanceOf(RecordIntake.Outcome.Take.class, outcome);
        assertEquals(JOB, take.decision().job().jobId());
        assertEquals(List.of(), h.acks);
    }

    @Test
    void anExceptionWhileDecidingDeadLettersTheRecordWithABoundedReason() {
        h.viewsThrow = true;
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.REJECT), handle(HEAD + "}"));
        String reason = h.deadLetters.getFirst().reason();
        assertTrue(reason.startsWith("internal error handling the job: java.lang.IllegalStateException: views broke:\\n"),
                reason);
        assertEquals(Validation.TEXT_MAX_LENGTH, reason.length());
        assertEquals(1, h.metrics.intakeErrors.count());
    }

    @Test
    void withoutItsDeadLetterTheRecordIsReleasedNotLost() {
        h.deadLetterThrows = true;
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.RELEASE), handle("{}"));
        assertEquals(List.of(AcknowledgeType.RELEASE), h.acks);
        assertEquals(List.of(), h.events, "no REJECTED for a record that comes back");
        assertEquals(1, h.metrics.deadLetterFailures.count());
    }

    @Test
    void aFailedEventAfterTheAcknowledgementIsCountedAndTheRecordStaysSettled() {
        h.statusThrows = true;
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.REJECT), handle("{}"));
        assertEquals(List.of(AcknowledgeType.REJECT), h.acks);
        assertEquals(1, h.metrics.intakeErrors.count());
    }

    @Test
    void aStopWithALongReasonStillEndsTheJob() {
        // "stop requested before start: " + a 512-character reason is longer than an event's text may be.
        h.stop = Optional.of(new StopCommand(MINT, StopCommand.JobSelector.of(JOB),
                java.time.Instant.parse("2026-11-25T00:00:00Z"), "r".repeat(Validation.TEXT_MAX_LENGTH)));
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.ACCEPT), handle(HEAD + "}"));
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, h.events.getFirst());
        assertEquals(Validation.TEXT_MAX_LENGTH, stopped.reason().length());
    }

    @Test
    void duplicatesAndEndedJobsAreAccepted() {
        h.holder = Optional.of(new Intake.LiveHolder(UUID.randomUUID(), "worker-2", 1));
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.ACCEPT), handle(HEAD + "}"));
        assertInstanceOf(StatusEvent.Duplicate.class, h.events.getFirst());
        IntakeHarness ended = new IntakeHarness();
        ended.ended = true;
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.ACCEPT),
                ended.handle(IntakeHarness.record(1, Messages.encode(job()), 2)));
        assertEquals(List.of(), ended.events);
    }

    @Test
    void anOversizedRecordIsDeadLetteredWithItsFirst64KiB() {
        byte[] huge = new byte[200_000];
        java.util.Arrays.fill(huge, (byte) 'x');
        assertEquals(new RecordIntake.Outcome.Settled(AcknowledgeType.REJECT), h.handle(IntakeHarness.record(3, huge, 1)));
        DlqRecord dead = h.deadLetters.getFirst();
        assertEquals(Validation.MAX_MESSAGE_BYTES, dead.raw().length);
        assertEquals("message too large: 200000 bytes exceeds 65536 (raw cut to its first 65536 of 200000 bytes)",
                dead.reason());
        assertEquals(dead, Messages.decodeDlq(Messages.encode(dead)), "its readers accept it");
    }

    @Test
    void anAcknowledgementTheConsumerRefusesIsReportedNotSwallowed() {
        h.acknowledgeThrows = true;
        assertThrows(RecordIntake.AcknowledgeFailed.class, () -> handle("{}"));
    }

    private static RecordingJob job() {
        return new RecordingJob(JOB, MINT, null, null, 3600, 6, null, java.time.Instant.parse("2026-11-24T23:00:00Z"), 1);
    }
}
