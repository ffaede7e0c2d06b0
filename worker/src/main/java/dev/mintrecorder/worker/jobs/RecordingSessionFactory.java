package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.WorkerConfig;

/** Makes the {@link RecordingSession} of one job attempt. */
@FunctionalInterface
public interface RecordingSessionFactory {

    /** Creates (does not start) the session. May throw: the engine then fails the job with a SESSION error. */
    RecordingSession create(SessionContext context);

    /**
     * How the worker finds its recording pipeline: a {@link java.util.ServiceLoader} provider, so the pipeline module
     * plugs in without the job engine knowing it. {@code WorkerMain} uses
     * {@link UnavailableRecordingSessionFactory} only when no provider is on the class path.
     */
    interface Provider {
        RecordingSessionFactory create(WorkerConfig config);
    }
}
