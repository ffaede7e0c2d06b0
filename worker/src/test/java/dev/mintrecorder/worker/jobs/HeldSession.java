package dev.mintrecorder.worker.jobs;

import java.util.concurrent.CompletableFuture;

/** TEST ONLY: a media-less recording that holds its job until it is stopped or handed over. */
public final class HeldSession implements RecordingSession {
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
