package dev.mintrecorder.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code fleet} scenario's projection to {@value #TARGET} recordings: what was measured per recording and per
 * worker, scaled linearly; where a cost was measured at two fleet sizes (the baseline and the fleet), the line through
 * both points is extended, so a cost that grows with the fleet keeps growing in the projection.
 */
record FleetProjection(int workers, double shareMembers, double shareSessions, double recordLocks,
                       double viewBytesPerWorkerPerS, double viewBytesAllWorkersPerS, double brokerCores,
                       double fleetCores, List<String> lines) {
    static final int TARGET = 10_000;
    /** Stock broker limits (Kafka 4.x defaults) that the share group meets. */
    static final int GROUP_SHARE_MAX_SIZE = 200;
    static final int GROUP_SHARE_MAX_SHARE_SESSIONS = 2000;
    static final int PARTITION_MAX_RECORD_LOCKS = 2000;

    static FleetProjection of(FleetResult base, FleetResult fleet) {
        FleetWindow w = fleet.window();
        int recordings = fleet.activeAtWindow();
        double recordingsPerWorker = recordings > 0 ? recordings / (double) w.workers() : fleet.plan().rooms();
        int workers = (int) Math.ceil(TARGET / recordingsPerWorker);
        double membersPerWorker = fleet.shareMembers() / (double) Math.max(1, w.workers());
        double shareConsumers = w.mean(FleetWindow.Worker::shareConsumers);
        long held = fleet.jobsLag() < 0 ? 0 : Math.max(0, fleet.jobsLag() - fleet.jobsNeverStarted());
        double locksPerRecording = recordings > 0 ? held / (double) recordings : 0;
        double view = extend(base.activeAtWindow(), base.window().mean(FleetWindow.Worker::viewBytesPerS), recordings,
                w.mean(FleetWindow.Worker::viewBytesPerS));
        double broker = extend(base.activeAtWindow(), base.brokerCores(), recordings, fleet.brokerCores());
        double fleetCores = fleet.fleetCores() / Math.max(1, w.workers()) * workers;
        List<String> lines = new ArrayList<>();
        lines.add(f("Workers: %d, at the measured %.1f recordings per worker (%d slots each).", workers,
                recordingsPerWorker, fleet.plan().rooms()));
        lines.add(f("Share-group members: %.0f (%.2f per worker measured); stock `group.share.max.size` is %d: %s.",
                membersPerWorker * workers, membersPerWorker, GROUP_SHARE_MAX_SIZE,
                verdict(membersPerWorker * workers, GROUP_SHARE_MAX_SIZE)));
        lines.add(f("Share sessions on the broker leading `recording.jobs`' one partition: %.0f (%.2f share consumers "
                        + "per worker); stock `group.share.max.share.sessions` is %d per broker: %s.",
                shareConsumers * workers, shareConsumers, GROUP_SHARE_MAX_SHARE_SESSIONS,
                verdict(shareConsumers * workers, GROUP_SHARE_MAX_SHARE_SESSIONS)));
        lines.add(f("Records held under an acquisition lock on that partition: %.0f (%.3f per running recording "
                        + "measured: share-group lag less the jobs never started); stock "
                        + "`group.share.partition.max.record.locks` is %d: %s.", locksPerRecording * TARGET,
                locksPerRecording, PARTITION_MAX_RECORD_LOCKS,
                verdict(locksPerRecording * TARGET, PARTITION_MAX_RECORD_LOCKS)));
        lines.add(f("View bytes read per worker: %.0f B/s (the line through the baseline's and the fleet's per-worker "
                        + "rate against running recordings, extended); all workers together %.1f MB/s of broker "
                        + "egress.", view, view * workers / 1e6));
        lines.add(f("Broker CPU: %.2f cores (the same line through the two runs' broker CPU); fleet job-layer CPU "
                + "%.1f cores (measured per worker, times the workers).", broker, fleetCores));
        lines.add("Assumptions: one broker as here (a cluster spreads connections but the jobs topic has one "
                + "partition, so one broker leads it and holds every share session and lock); the same heartbeat "
                + "interval; costs linear in what they were measured against; no media (a real recording costs far "
                + "more worker CPU, not more job-layer traffic).");
        return new FleetProjection(workers, membersPerWorker * workers, shareConsumers * workers,
                locksPerRecording * TARGET, view, view * workers, broker, fleetCores, List.copyOf(lines));
    }

    /** The value at {@value #TARGET} on the line through (x0, y0) and (x1, y1); proportional with one point. */
    static double extend(double x0, double y0, double x1, double y1) {
        if (x1 <= 0) {
            return Double.NaN;
        }
        if (x1 == x0 || !Double.isFinite(y0)) {
            return y1 / x1 * TARGET;
        }
        return y1 + (y1 - y0) / (x1 - x0) * (TARGET - x1);
    }

    private static String verdict(double value, int limit) {
        return value <= limit ? "within it" : f("over it (%.1f×)", value / limit);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
