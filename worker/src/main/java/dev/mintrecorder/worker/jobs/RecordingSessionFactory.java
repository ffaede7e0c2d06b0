package dev.mintrecorder.worker.jobs;

/** Makes the {@link RecordingSession} of one job attempt. */
@FunctionalInterface
public interface RecordingSessionFactory {

    /** Creates (does not start) the session. May throw: the engine then fails the job with a SESSION error. */
    RecordingSession create(SessionContext context);
}
