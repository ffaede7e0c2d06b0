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

    JobMetrics(MeterRegistry registry, int maxRooms, DoubleSupplier backlog) {
        Gauge.builder("recorder.rooms.active", roomsActive, AtomicInteger::get)
                .description("Recordings running on this worker").register(registry);
        Gauge.builder("recorder.rooms.max", () -> maxRooms)
                .description("Recordings this worker may run at once (MAX_ROOMS)").register(registry);
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
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }
}
