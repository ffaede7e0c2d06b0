package dev.mintrecorder.worker.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/** The job engine's meters. Names follow Micrometer's dotted style; Prometheus renders them with underscores. */
final class JobMetrics {
    final AtomicInteger roomsActive = new AtomicInteger();
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
    final AtomicInteger slotsFailed = new AtomicInteger();

    JobMetrics(MeterRegistry registry, int maxRooms, DoubleSupplier backlog) {
        Gauge.builder("recorder.rooms.active", roomsActive, AtomicInteger::get)
                .description("Recordings running on this worker").register(registry);
        // Capacity actually on offer: a failed slot takes no jobs, so it is not counted.
        Gauge.builder("recorder.rooms.max", slotsFailed, failed -> Math.max(0, maxRooms - failed.get()))
                .description("Recordings this worker may run at once: MAX_ROOMS less its failed slots")
                .register(registry);
        Gauge.builder("recorder.slots.failed", slotsFailed, AtomicInteger::get)
                .description("Job slots that stopped for good (their consumer could not recover); the worker is "
                        + "unready while any has")
                .register(registry);
        // A gauge holds its object weakly unless told otherwise; nothing else keeps this supplier alive.
        Gauge.builder("recorder.jobs.backlog", backlog, DoubleSupplier::getAsDouble)
                .description("Jobs not yet acknowledged in the share group, in flight included (NaN until first "
                        + "read): the autoscaling signal")
                .strongReference(true)
                .register(registry);
        acquired = counter(registry, "recorder.jobs.acquired", "Job records acquired from the share group");
        rejected = counter(registry, "recorder.jobs.rejected", "Invalid jobs rejected and dead-lettered");
        duplicate = counter(registry, "recorder.jobs.duplicate", "Jobs dropped because their mint was already recording");
        resumed = counter(registry, "recorder.jobs.resumed", "Jobs resumed after a crash or a handover");
        stoppedBeforeStart = counter(registry, "recorder.jobs.stopped.before.start",
                "Jobs whose STOP was already on the control table when acquired");
        renewals = counter(registry, "recorder.jobs.renewals", "Lock renewals the broker confirmed");
        renewFailures = counter(registry, "recorder.jobs.renew.failures", "Lock renewals that failed");
        lostLocks = counter(registry, "recorder.jobs.lost.locks", "Held jobs whose lock the broker no longer honoured");
        extraReleased = counter(registry, "recorder.jobs.extra.released",
                "Records a busy slot received and released (only after a broker outage)");
        intakeErrors = counter(registry, "recorder.jobs.intake.errors",
                "Errors while handling an acquired record (it was still dead-lettered or acknowledged)");
        deadLetterFailures = counter(registry, "recorder.jobs.dead.letter.failures",
                "Invalid records released instead of rejected because their dead letter could not be written");
        slotErrors = counter(registry, "recorder.slots.errors", "Unexpected errors in a job slot's loop");
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }
}
