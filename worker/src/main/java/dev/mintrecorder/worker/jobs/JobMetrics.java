package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/** The job engine's meters, as {@link Metric} declares them (names, meanings: docs/metrics.md). */
final class JobMetrics {
    final AtomicInteger roomsActive = new AtomicInteger();
    final Counter acquired;
    final Counter rejected;
    final Counter duplicate;
    final Counter resumed;
    final Counter stoppedBeforeStart;
    final Counter intakeErrors;
    final Counter deadLetterFailures;
    final Counter dispatchErrors;
    final Counter failovers;
    final Counter givenUp;
    final Counter fenced;
    final Counter guardianErrors;

    /**
     * @param offering whether the worker takes jobs now (ready): capacity on offer is then JOBS_MAX_ROOMS, and
     *        otherwise only the rooms already running (so the autoscaler never counts capacity that takes no jobs)
     * @param dispatching whether the dispatcher's share consumer works
     * @param guardianUp whether the guardian does its share of failover
     * @param guarded the status partitions this worker guards
     */
    JobMetrics(MeterRegistry registry, int maxRooms, DoubleSupplier backlog, BooleanSupplier offering,
               BooleanSupplier dispatching, BooleanSupplier guardianUp, IntSupplier guarded) {
        Metric.ROOMS_ACTIVE.gauge(registry, Tags.empty(), roomsActive, AtomicInteger::get);
        Metric.ROOMS_MAX.gauge(registry, () -> offering.getAsBoolean() ? maxRooms : roomsActive.get());
        Metric.JOBS_DISPATCH_UP.gauge(registry, () -> dispatching.getAsBoolean() ? 1 : 0);
        Metric.JOBS_GUARDIAN_UP.gauge(registry, () -> guardianUp.getAsBoolean() ? 1 : 0);
        Metric.JOBS_GUARDED_PARTITIONS.gauge(registry, guarded::getAsInt);
        // A supplier gauge is held strongly: nothing else keeps the backlog supplier alive.
        Metric.JOBS_BACKLOG.gauge(registry, backlog::getAsDouble);
        acquired = Metric.JOBS_ACQUIRED.counter(registry);
        rejected = Metric.JOBS_REJECTED.counter(registry);
        duplicate = Metric.JOBS_DUPLICATE.counter(registry);
        resumed = Metric.JOBS_RESUMED.counter(registry);
        stoppedBeforeStart = Metric.JOBS_STOPPED_BEFORE_START.counter(registry);
        intakeErrors = Metric.JOBS_INTAKE_ERRORS.counter(registry);
        deadLetterFailures = Metric.JOBS_DEAD_LETTER_FAILURES.counter(registry);
        dispatchErrors = Metric.JOBS_DISPATCH_ERRORS.counter(registry);
        failovers = Metric.JOBS_FAILOVERS.counter(registry);
        givenUp = Metric.JOBS_GIVEN_UP.counter(registry);
        fenced = Metric.JOBS_FENCED.counter(registry);
        guardianErrors = Metric.JOBS_GUARDIAN_ERRORS.counter(registry);
    }
}
