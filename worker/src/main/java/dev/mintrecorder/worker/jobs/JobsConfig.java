package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Job intake settings.
 *
 * @param maxRooms concurrent recordings (the bulkhead size, and the number of share consumers)
 * @param renewInterval how often a held job's lock is renewed; capped at a third of the broker's lock duration
 * @param heartbeatInterval how often each recording publishes HEARTBEAT
 * @param livenessWindow how recent a heartbeat must be for its worker to count as recording the mint
 * @param statusLookback how far back the status view reads at start (ended jobs are remembered this long)
 * @param drainGrace how long a SIGTERM drain may take before the worker exits anyway
 * @param backlogInterval how often the share-group backlog is read for the autoscaling gauge
 * @param deliveryTimeout how long the producer retries a status event or dead letter through a broker outage
 */
public record JobsConfig(int maxRooms, Duration renewInterval, Duration heartbeatInterval, Duration livenessWindow,
                         Duration statusLookback, Duration drainGrace, Duration backlogInterval,
                         Duration deliveryTimeout) {
    static final Setting<Integer> MAX_ROOMS = Setting.integer("JOBS_MAX_ROOMS", 4, 1, 64,
            "Concurrent recordings this worker takes (the bulkhead size).")
            .was("MAX_ROOMS");
    static final Setting<Duration> JOB_RENEW_INTERVAL = Setting.duration("JOBS_RENEW_INTERVAL", "10s",
            Duration.ofMillis(200), Duration.ofMinutes(10),
            "How often a held job's share-group lock is renewed. Capped at a third of the broker's lock duration.")
            .was("JOB_RENEW_INTERVAL");
    static final Setting<Duration> HEARTBEAT_INTERVAL = Setting.duration("JOBS_HEARTBEAT_INTERVAL", "5s",
            Duration.ofMillis(200), Duration.ofMinutes(5), "How often each recording publishes a HEARTBEAT event.")
            .was("HEARTBEAT_INTERVAL");
    static final Setting<Duration> LIVENESS_WINDOW = Setting.duration("JOBS_LIVENESS_WINDOW", "20s",
            Duration.ofSeconds(1), Duration.ofHours(1),
            "A worker whose last HEARTBEAT for a mint is older than this no longer counts as recording it "
                    + "(a new START for that mint is then not a DUPLICATE). Keep it several heartbeats long.")
            .was("LIVENESS_WINDOW");
    static final Setting<Duration> STATUS_LOOKBACK = Setting.duration("JOBS_STATUS_LOOKBACK", "1h",
            Duration.ofSeconds(1), Duration.ofDays(7),
            "How far back the worker reads recording.status at start; a job that ended within it is never recorded "
                    + "again even if its final acknowledgement was lost.")
            .was("STATUS_LOOKBACK");
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

    public static final List<Setting<?>> SETTINGS = List.of(MAX_ROOMS, JOB_RENEW_INTERVAL, HEARTBEAT_INTERVAL,
            LIVENESS_WINDOW, STATUS_LOOKBACK, DRAIN_GRACE_PERIOD, BACKLOG_INTERVAL, KAFKA_DELIVERY_TIMEOUT);

    public static JobsConfig from(Map<String, String> env) {
        return new JobsConfig(MAX_ROOMS.read(env), JOB_RENEW_INTERVAL.read(env), HEARTBEAT_INTERVAL.read(env),
                LIVENESS_WINDOW.read(env), STATUS_LOOKBACK.read(env), DRAIN_GRACE_PERIOD.read(env),
                BACKLOG_INTERVAL.read(env), KAFKA_DELIVERY_TIMEOUT.read(env));
    }

    /** The same settings with another room count (tests and the memory governor's admission use it). */
    public JobsConfig withMaxRooms(int rooms) {
        return new JobsConfig(rooms, renewInterval, heartbeatInterval, livenessWindow, statusLookback, drainGrace,
                backlogInterval, deliveryTimeout);
    }
}
