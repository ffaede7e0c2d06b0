package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/** The job engine's meters, as {@link Metric} declares them (names, meanings: docs/metrics.md). */
final class JobMetrics {
    final AtomicInteger roomsActive = new AtomicInteger();
    final AtomicInteger slotsFailed = new AtomicInteger();
    final Counter acquired;
    final Counter rejected;
    final Counter duplicate;
    final Counter resumed;
    final Counter stoppedBeforeStart;
    final Counter renewals;
    final Counter renewFailures;
    final Counter lostLocks;
    final Counter extraReleased;
    final Counter intakeErrors;
    final Counter deadLetterFailures;
    final Counter slotErrors;

    JobMetrics(MeterRegistry registry, int maxRooms, DoubleSupplier backlog) {
        Metric.ROOMS_ACTIVE.gauge(registry, Tags.empty(), roomsActive, AtomicInteger::get);
        // Capacity actually on offer: a failed slot takes no jobs, so it is not counted.
        Metric.ROOMS_MAX.gauge(registry, Tags.empty(), slotsFailed, failed -> Math.max(0, maxRooms - failed.get()));
        Metric.SLOTS_FAILED.gauge(registry, Tags.empty(), slotsFailed, AtomicInteger::get);
        // A supplier gauge is held strongly: nothing else keeps the backlog supplier alive.
        Metric.JOBS_BACKLOG.gauge(registry, backlog::getAsDouble);
        acquired = Metric.JOBS_ACQUIRED.counter(registry);
        rejected = Metric.JOBS_REJECTED.counter(registry);
        duplicate = Metric.JOBS_DUPLICATE.counter(registry);
        resumed = Metric.JOBS_RESUMED.counter(registry);
        stoppedBeforeStart = Metric.JOBS_STOPPED_BEFORE_START.counter(registry);
        renewals = Metric.JOBS_RENEWALS.counter(registry);
        renewFailures = Metric.JOBS_RENEW_FAILURES.counter(registry);
        lostLocks = Metric.JOBS_LOST_LOCKS.counter(registry);
        extraReleased = Metric.JOBS_EXTRA_RELEASED.counter(registry);
        intakeErrors = Metric.JOBS_INTAKE_ERRORS.counter(registry);
        deadLetterFailures = Metric.JOBS_DEAD_LETTER_FAILURES.counter(registry);
        slotErrors = Metric.SLOTS_ERRORS.counter(registry);
    }
}
