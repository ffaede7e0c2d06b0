package dev.mintrecorder.worker.jobs;

import java.util.concurrent.CompletableFuture;

/**
 * One recording attempt of one job: the room, the encoder and the upload behind one interface. The job engine owns its
 * life: it starts it, stops it (STOP command, max duration), hands it over (drain, lost lock), and learns from
 * {@link #ended()} when it ends on its own (room closed, target left, failure).
 *
 * <p>Calls come from the engine's slot thread; they must not block on the media path except {@link #handover()},
 * whose contract is to block until the current segment is closed.
 */
public interface RecordingSession {

    /** Begins recording. Returns promptly; a failure to start completes {@link #ended()} with {@link SessionEnd.Failed}. */
    void start();

    /** Ends the recording, closing the playlist; {@link #ended()} then completes with {@code why} (or a failure). */
    void stop(SessionEnd.Finished why);

    /**
     * Closes the current segment so another attempt can continue the job, and returns once it is closed (uploaded);
     * {@link #ended()} then completes with {@link SessionEnd.HandedOver}. The playlist stays open for the next attempt.
     */
    void handover();

    /** Completes once, when the session has ended and released its resources. */
    CompletableFuture<SessionEnd> ended();
}
