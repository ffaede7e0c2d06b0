package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.DeclaredMeters;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The job engine's meters are the declared ones: rooms, backlog and the job counters. */
class JobMetricsTest {
    @Test
    void registersTheDeclaredJobMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean ready = new AtomicBoolean(true);
        AtomicBoolean dispatching = new AtomicBoolean(true);
        AtomicBoolean guarding = new AtomicBoolean(true);
        JobMetrics metrics = new JobMetrics(registry, 4, () -> 7, ready::get, dispatching::get, guarding::get, () -> 2);
        metrics.roomsActive.set(2);
        metrics.acquired.increment();

        assertEquals(List.of(), DeclaredMeters.undeclared(registry));
        assertEquals(EnumSet.of(Metric.ROOMS_ACTIVE, Metric.ROOMS_MAX, Metric.JOBS_BACKLOG, Metric.JOBS_ACQUIRED,
                Metric.JOBS_REJECTED, Metric.JOBS_DUPLICATE, Metric.JOBS_RESUMED, Metric.JOBS_STOPPED_BEFORE_START,
                Metric.JOBS_INTAKE_ERRORS, Metric.JOBS_DEAD_LETTER_FAILURES, Metric.JOBS_DISPATCH_UP,
                Metric.JOBS_DISPATCH_ERRORS, Metric.JOBS_GUARDIAN_UP, Metric.JOBS_GUARDED_PARTITIONS, Metric.JOBS_FAILOVERS,
                Metric.JOBS_GIVEN_UP, Metric.JOBS_FENCED, Metric.JOBS_GUARDIAN_ERRORS),
                DeclaredMeters.present(registry));
        assertEquals(2, registry.get("recorder.rooms.active").gauge().value());
        assertEquals(4, registry.get("recorder.rooms.max").gauge().value());
        assertEquals(1, registry.get("recorder.jobs.dispatch.up").gauge().value());
        assertEquals(1, registry.get("recorder.jobs.guardian.up").gauge().value());
        ready.set(false);
        dispatching.set(false);
        guarding.set(false);
        assertEquals(2, registry.get("recorder.rooms.max").gauge().value(),
                "an unready worker (dispatcher or guardian down) offers no free capacity: max = the rooms it runs");
        assertEquals(0, registry.get("recorder.jobs.dispatch.up").gauge().value());
        assertEquals(0, registry.get("recorder.jobs.guardian.up").gauge().value());
        assertEquals(2, registry.get("recorder.jobs.guarded.partitions").gauge().value());
        assertEquals(7, registry.get("recorder.jobs.backlog").gauge().value());
        assertEquals(1, registry.get("recorder.jobs.acquired").counter().count());
    }
}
