package dev.mintrecorder.bench;

import dev.mintrecorder.worker.jobs.RecordingSession;
import dev.mintrecorder.worker.jobs.SessionEnd;

import java.util.concurrent.CompletableFuture;

/**
 * The {@code fleet} benchmark's stand-in for a recording: no room, no media, no upload. It holds its job until it is
 * stopped or handed over; meanwhile the job engine publishes the recording's HEARTBEATs as for a real one. What the
 * benchmark measures, the job layer, cannot tell it from a recording.
 */
final class HeartbeatOnlySession implements RecordingSession {
    private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();

    @Override
    public void start() {
    }

    @Override
    public void stop(SessionEnd.Finished why) {
        ended.complete(why);
    }

    @Override
    public void handover() {
        ended.complete(new SessionEnd.HandedOver());
    }

    @Override
    public CompletableFuture<SessionEnd> ended() {
        return ended;
    }
}
