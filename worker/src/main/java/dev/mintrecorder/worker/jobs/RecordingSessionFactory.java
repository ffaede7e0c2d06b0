package dev.mintrecorder.worker.jobs;

import java.util.Optional;

/** Makes the {@link RecordingSession} of one job attempt. */
@FunctionalInterface
public interface RecordingSessionFactory {

    /** Creates (does not start) the session. May throw: the engine then fails the job with a SESSION error. */
    RecordingSession create(SessionContext context);

    /**
     * Why this worker should take no more sessions now although it runs (its local spool is nearly full, say); empty
     * when it may. The engine then reports not ready, so it takes no job and offers no capacity, until it is empty.
     */
    default Optional<String> refusal() {
        return Optional.empty();
    }
}
