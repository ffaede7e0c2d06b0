package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.DeclaredMeters;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The job engine's meters are the declared ones: rooms, backlog and the job counters. */
class JobMetricsTest {
    @Test
    void registersTheDeclaredJobMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobMetrics metrics = new JobMetrics(registry, 4, () -> 7);
        metrics.roomsActive.set(2);
        metrics.acquired.increment();

        assertEquals(List.of(), DeclaredMeters.undeclared(registry));
        assertEquals(EnumSet.of(Metric.ROOMS_ACTIVE, Metric.ROOMS_MAX, Metric.JOBS_BACKLOG, Metric.JOBS_ACQUIRED,
                Metric.JOBS_REJECTED, Metric.JOBS_DUPLICATE, Metric.JOBS_RESUMED, Metric.JOBS_STOPPED_BEFORE_START,
                Metric.JOBS_RENEWALS, Metric.JOBS_RENEW_FAILURES, Metric.JOBS_LOST_LOCKS, Metric.JOBS_EXTRA_RELEASED,
                Metric.JOBS_INTAKE_ERRORS, Metric.JOBS_DEAD_LETTER_FAILURES, Metric.SLOTS_ERRORS, Metric.SLOTS_FAILED),
                DeclaredMeters.present(registry));
        assertEquals(2, registry.get("recorder.rooms.active").gauge().value());
        assertEquals(4, registry.get("recorder.rooms.max").gauge().value());
        metrics.slotsFailed.incrementAndGet();
        assertEquals(3, registry.get("recorder.rooms.max").gauge().value(), "a failed slot is capacity no longer offered");
        assertEquals(1, registry.get("recorder.slots.failed").gauge().value());
        assertEquals(7, registry.get("recorder.jobs.backlog").gauge().value());
        assertEquals(1, registry.get("recorder.jobs.acquired").counter().count());
    }
}
