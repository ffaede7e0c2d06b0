package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;

import java.util.concurrent.CompletableFuture;

/**
 * TEST ONLY: a pipeline that cannot record. Every session fails at once with a SYSTEM error, so the job is published
 * as FAILED with that error and the worker reports not ready and stops taking jobs (other workers, which can record,
 * take them): how a worker whose pipeline is broken behaves.
 */
public final class UnavailableRecordingSessionFactory implements RecordingSessionFactory {
    public static final String ERROR = "recording pipeline not available in this build";

    @Override
    public RecordingSession create(SessionContext context) {
        return new RecordingSession() {
            private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();

            @Override
            public void start() {
                ended.complete(new SessionEnd.Failed(StatusEvent.FailureCode.WEBRTC, ERROR, StatusEvent.Scope.SYSTEM));
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
        };
    }
}
