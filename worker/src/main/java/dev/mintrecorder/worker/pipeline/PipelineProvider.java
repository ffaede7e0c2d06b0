package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.worker.jobs.RecordingSessionFactory;
import dev.mintrecorder.worker.ops.WorkerConfig;
import io.micrometer.core.instrument.Metrics;

/**
 * The real recording pipeline as a {@link java.util.ServiceLoader} service (registered in
 * {@code META-INF/services}): {@code WorkerMain} finds it and the job engine records with it.
 */
public final class PipelineProvider implements RecordingSessionFactory.Provider {
    @Override
    public RecordingSessionFactory create(WorkerConfig config) {
        // The worker's registry is added to the global composite by WorkerMain, so room meters reach /metrics.
        return new PipelineSessionFactory(config, Metrics.globalRegistry);
    }
}
