package dev.mintrecorder.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** One valid instance of every message type, shared by the contract tests. */
final class Samples {
    private Samples() {}

    static final MintId MINT = new MintId("7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr");
    static final UUID JOB = UUID.fromString("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    static final Instant AT = Instant.parse("2026-11-24T23:00:00Z");
    static final String WORKER = "worker-7f9c";

    static RecordingJob job() {
        return new RecordingJob(JOB, MINT, "room-1", "streamer:42", 3600, 6, new VideoCap(720, 30), AT, 1);
    }

    static List<Message> all() {
        return List.of(
                job(),
                job().nextAttempt(),
                new RecordingJob(JOB, MINT, null, null, 10, 2, VideoCap.DEFAULT, AT, 1),
                new StopCommand(MINT, StopCommand.JobSelector.of(JOB), AT, "user requested"),
                new StopCommand(MINT, StopCommand.JobSelector.ANY, AT, "token delisted"),
                new StatusEvent.Accepted(JOB, MINT, WORKER, AT, 1),
                new StatusEvent.Joined(JOB, MINT, WORKER, AT, 1),
                new StatusEvent.Segment(JOB, MINT, WORKER, AT, 1, 12, S3Keys.segment(MINT, JOB, 12), 1_500_000, 6.006, 3),
                new StatusEvent.Heartbeat(JOB, MINT, WORKER, AT, 1),
                new StatusEvent.Resumed(JOB, MINT, WORKER, AT, 2),
                new StatusEvent.Stalled(JOB, MINT, WORKER, AT, 1, "TR_VCabc123", 2500),
                new StatusEvent.TargetLeft(JOB, MINT, WORKER, AT, 1),
                new StatusEvent.Stopped(JOB, MINT, WORKER, AT, 1, StatusEvent.EndCode.MAX_DURATION, "max_duration",
                        recording()),
                new StatusEvent.Failed(JOB, MINT, WORKER, AT, 1, StatusEvent.FailureCode.ENCODER, "encoder died",
                        StatusEvent.Scope.SYSTEM, recording()),
                new StatusEvent.Rejected(StatusEvent.Rejected.UNKNOWN_JOB, StatusEvent.Rejected.UNKNOWN_MINT, WORKER, AT,
                        1, "malformed JSON at line 1 column 2", new DlqRecord.Source(Topics.JOBS, 0, 17)),
                new StatusEvent.Duplicate(JOB, MINT, WORKER, AT, 1),
                new MemoryAlarm(WORKER, MemoryAlarm.Level.CRITICAL, 900_000_000, 200_000_000,
                        new MemoryAlarm.NativeMemory(300_000_000, 16_000_000), 1_000_000_000,
                        List.of(new MemoryAlarm.Room(MINT, JOB, 48_000_000, 120)),
                        List.of(MemoryAlarm.Action.PAUSE_INTAKE, MemoryAlarm.Action.SHRINK_QUEUES), AT),
                new MemoryAlarm(WORKER, MemoryAlarm.Level.OK, 1, 1, new MemoryAlarm.NativeMemory(0, 0), 1, List.of(),
                        List.of(), AT),
                new DlqRecord("{\"schema\":1,\"mint_id\":\"0OIl\"}".getBytes(StandardCharsets.UTF_8),
                        "invalid mint_id: length 4, must be 32-44 base58 characters",
                        new DlqRecord.Source(Topics.JOBS, 3, 1234), AT),
                new DlqRecord(new byte[] {(byte) 0xff, 0, 1}, "malformed JSON at line 1 column 1",
                        new DlqRecord.Source(Topics.JOBS, 0, 0), AT),
                // A REJECTED event as written before it carried its source.
                new StatusEvent.Rejected(JOB, MINT, WORKER, AT, 1, "invalid room: empty", null),
                // A STOP that came before the job began: nothing was recorded.
                new StatusEvent.Stopped(JOB, MINT, WORKER, AT, 1, StatusEvent.EndCode.STOP_REQUESTED,
                        "stop requested before start: user requested", null),
                // A failure before anything was recorded.
                new StatusEvent.Failed(JOB, MINT, WORKER, AT, 1, StatusEvent.FailureCode.ROOM_NOT_FOUND,
                        "room: room-1 does not exist", StatusEvent.Scope.SESSION, null),
                // STOPPED and FAILED as written before they carried a code and the recording.
                new StatusEvent.Stopped(JOB, MINT, WORKER, AT, 1, null, "stopped: demo done", null),
                new StatusEvent.Failed(JOB, MINT, WORKER, AT, 1, null, "encoder died", StatusEvent.Scope.SESSION, null),
                // A segment after two that the full spool lost.
                new StatusEvent.Segment(JOB, MINT, WORKER, AT, 1, 15, S3Keys.segment(MINT, JOB, 15), 1_500_000, 6.0, 3,
                        new StatusEvent.Lost(13, 2, 12.0, "the worker's spool is full")),
                // A spool alarm: memory is fine, the spool is CRITICAL.
                new MemoryAlarm(WORKER, MemoryAlarm.Level.OK, 400_000_000, 100_000_000,
                        new MemoryAlarm.NativeMemory(100_000_000, 8_000_000), 1_000_000_000, List.of(),
                        List.of(MemoryAlarm.Action.ALARM_ONLY), AT,
                        new MemoryAlarm.Spool(MemoryAlarm.Level.CRITICAL, 860_000_000, 1_073_741_824, 570, 2)));
    }

    /** A recording of 20 segments over two attempts, with one gap. */
    static StatusEvent.Recording recording() {
        return new StatusEvent.Recording("recordings", S3Keys.playlist(MINT, JOB), S3Keys.manifest(MINT, JOB),
                AT.minusSeconds(125), AT, 119.88, 20, 30_000_000, 3, 1, 2400, 1, 2);
    }
}
