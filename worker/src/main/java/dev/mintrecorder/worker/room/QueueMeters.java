package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.ops.Metric;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.List;

/**
 * A {@link BoundedFrameQueue}'s counters as metrics, so an operator sees which room holds memory or drops frames:
 * {@code recorder_queue_bytes}, {@code recorder_queue_frames}, {@code recorder_queue_high_water_bytes} (gauges) and
 * {@code recorder_queue_enqueued_total}, {@code recorder_queue_dropped_total} (counters), tagged {@code room} and
 * {@code track}. {@link #close()} removes them.
 */
public final class QueueMeters implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters;

    public QueueMeters(BoundedFrameQueue<?> queue, MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.meters = List.of(
                Metric.QUEUE_BYTES.gauge(registry, tags, queue, q -> q.stats().bytes()),
                Metric.QUEUE_FRAMES.gauge(registry, tags, queue, q -> q.stats().frames()),
                Metric.QUEUE_HIGH_WATER.gauge(registry, tags, queue, q -> q.stats().highWaterBytes()),
                Metric.QUEUE_ENQUEUED.functionCounter(registry, tags, queue, q -> q.stats().enqueued()),
                Metric.QUEUE_DROPPED.functionCounter(registry, tags, queue, q -> q.stats().dropped()));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
