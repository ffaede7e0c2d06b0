package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Job settings: dispatch, heartbeats, failover and the drain.
 *
 * @param maxRooms concurrent recordings (the bulkhead size)
 * @param heartbeatInterval how often each recording publishes HEARTBEAT
 * @param livenessWindow how long a recording may stay silent before its guardian fails it over
 * @param guardianSessionTimeout how soon a dead worker's guardian duties move to a live worker
 * @param maxAttempts attempts after which a job that keeps failing over ends FAILED
 * @param requeueTimeout how long a REQUEUED job may go unclaimed before its guardian enqueues it again
 * @param endedRetention how long an ENDED lease stays in the table (a stale redelivery of the job is then ignored)
 * @param drainGrace how long a SIGTERM drain may take before the worker exits anyway
 * @param backlogInterval how often the share-group backlog is read for the autoscaling gauge
 * @param deliveryTimeout how long the producer retries a status event or dead letter through a broker outage
 */
public record JobsConfig(int maxRooms, Duration heartbeatInterval, Duration livenessWindow,
                         Duration guardianSessionTimeout, int maxAttempts,
                         Duration requeueTimeout, Duration endedRetention, Duration drainGrace,
                         Duration backlogInterval, Duration deliveryTimeout) {
    static final Setting<Integer> MAX_ROOMS = Setting.integer("JOBS_MAX_ROOMS", 4, 1, 256,
            "Concurrent recordings this worker takes (the bulkhead size).")
            .was("MAX_ROOMS");
    static final Setting<Duration> HEARTBEAT_INTERVAL = Setting.duration("JOBS_HEARTBEAT_INTERVAL", "5s",
            Duration.ofMillis(200), Duration.ofMinutes(5), "How often each recording publishes a HEARTBEAT event.")
            .was("HEARTBEAT_INTERVAL");
    static final Setting<Duration> LIVENESS_WINDOW = Setting.duration("JOBS_LIVENESS_WINDOW", "15s",
            Duration.ofSeconds(1), Duration.ofHours(1),
            "A recording that publishes nothing for this long is failed over by its guardian (resumed elsewhere as "
                    + "the next attempt). Keep it several heartbeats long; it bounds what a crash costs a recording.")
            .was("LIVENESS_WINDOW");
    static final Setting<Duration> GUARDIAN_SESSION_TIMEOUT = Setting.duration("JOBS_GUARDIAN_SESSION_TIMEOUT", "10s",
            Duration.ofSeconds(1), Duration.ofMinutes(5),
            "How soon a dead worker's guardian duties (status partitions) move to a live worker: the guardians' "
                    + "consumer-group session timeout. The broker refuses values below group.min.session.timeout.ms "
                    + "(6 s by default).");
    static final Setting<Integer> MAX_ATTEMPTS = Setting.integer("JOBS_MAX_ATTEMPTS", 10, 2, 100,
            "Attempts after which a job that keeps failing over (its workers keep dying) ends FAILED.");
    static final Setting<Duration> REQUEUE_TIMEOUT = Setting.duration("JOBS_REQUEUE_TIMEOUT", "2m",
            Duration.ofSeconds(2), Duration.ofHours(1),
            "A job handed over or failed over that no worker claims within this is enqueued again (a re-enqueue "
                    + "lost with its worker). A duplicate enqueue is harmless: the second is acknowledged and dropped.");
    static final Setting<Duration> ENDED_RETENTION = Setting.duration("JOBS_ENDED_RETENTION", "1h",
            Duration.ofSeconds(1), Duration.ofDays(7),
            "How long an ended job stays in the lease table (a stale redelivery of its record is then ignored); "
                    + "after it the guardians delete the row.");
    static final Setting<Duration> DRAIN_GRACE_PERIOD = Setting.duration("JOBS_DRAIN_GRACE_PERIOD", "25s",
            Duration.ofSeconds(1), Duration.ofMinutes(30),
            "On SIGTERM: time to hand every recording over before exiting. Keep it below the pod's "
                    + "terminationGracePeriodSeconds.")
            .was("DRAIN_GRACE_PERIOD");
    static final Setting<Duration> BACKLOG_INTERVAL = Setting.duration("JOBS_BACKLOG_INTERVAL", "15s",
            Duration.ofSeconds(1), Duration.ofMinutes(10),
            "How often the share-group backlog (the autoscaling gauge) is read with the Admin API.")
            .was("BACKLOG_INTERVAL");
    static final Setting<Duration> KAFKA_DELIVERY_TIMEOUT = Setting.duration("KAFKA_DELIVERY_TIMEOUT", "5m",
            Duration.ofSeconds(5), Duration.ofHours(1),
            "How long status events and dead letters are retried through a Kafka outage before being dropped.");

    public static final List<Setting<?>> SETTINGS = List.of(MAX_ROOMS, HEARTBEAT_INTERVAL, LIVENESS_WINDOW,
            GUARDIAN_SESSION_TIMEOUT, MAX_ATTEMPTS, REQUEUE_TIMEOUT, ENDED_RETENTION, DRAIN_GRACE_PERIOD, BACKLOG_INTERVAL,
            KAFKA_DELIVERY_TIMEOUT);

    public static JobsConfig from(Map<String, String> env) {
        return new JobsConfig(MAX_ROOMS.read(env), HEARTBEAT_INTERVAL.read(env), LIVENESS_WINDOW.read(env),
                GUARDIAN_SESSION_TIMEOUT.read(env), MAX_ATTEMPTS.read(env), REQUEUE_TIMEOUT.read(env), ENDED_RETENTION.read(env),
                DRAIN_GRACE_PERIOD.read(env), BACKLOG_INTERVAL.read(env), KAFKA_DELIVERY_TIMEOUT.read(env));
    }

    /** The same settings with another room count (tests and the memory governor's admission use it). */
    public JobsConfig withMaxRooms(int rooms) {
        return new JobsConfig(rooms, heartbeatInterval, livenessWindow, guardianSessionTimeout, maxAttempts, requeueTimeout, endedRetention,
                drainGrace, backlogInterval, deliveryTimeout);
    }

    Failover.Rules failoverRules() {
        return new Failover.Rules(livenessWindow, requeueTimeout, endedRetention, maxAttempts);
    }
}
