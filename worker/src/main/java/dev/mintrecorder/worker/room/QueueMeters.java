package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.BoundedFrameQueue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.List;

/**
 * A {@link BoundedFrameQueue}'s counters as metrics, so an operator sees which room holds memory or drops frames:
 * {@code mint_queue_bytes}, {@code mint_queue_frames}, {@code mint_queue_high_water_bytes} (gauges) and
 * {@code mint_queue_enqueued_total}, {@code mint_queue_dropped_total} (counters). {@link #close()} removes them.
 */
public final class QueueMeters implements AutoCloseable {
    private final MeterRegistry registry;
    private final List<Meter> meters;

    public QueueMeters(BoundedFrameQueue<?> queue, MeterRegistry registry, Tags tags) {
        this.registry = registry;
        this.meters = List.of(
                Gauge.builder("mint_queue_bytes", queue, q -> q.stats().bytes()).tags(tags).baseUnit("bytes")
                        .description("Bytes held in the frame queue").register(registry),
                Gauge.builder("mint_queue_frames", queue, q -> q.stats().frames()).tags(tags)
                        .description("Frames held in the frame queue").register(registry),
                Gauge.builder("mint_queue_high_water_bytes", queue, q -> q.stats().highWaterBytes()).tags(tags)
                        .baseUnit("bytes").description("Most bytes the frame queue ever held").register(registry),
                FunctionCounter.builder("mint_queue_enqueued", queue, q -> q.stats().enqueued()).tags(tags)
                        .description("Frames handed to the frame queue").register(registry),
                FunctionCounter.builder("mint_queue_dropped", queue, q -> q.stats().dropped()).tags(tags)
                        .description("Frames dropped (oldest first) because the queue was full").register(registry));
    }

    @Override
    public void close() {
        meters.forEach(registry::remove);
    }
}
