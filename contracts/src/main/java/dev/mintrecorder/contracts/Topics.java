package dev.mintrecorder.contracts;

import java.util.List;
import java.util.Map;

/** Every Kafka topic of the system, in one place, with what a deployment must create. */
public final class Topics {
    private Topics() {}

    /** START jobs, keyed by mint_id; consumed by the workers as one share group. */
    public static final String JOBS = "recording.jobs";
    /** STOP commands, keyed by mint_id; compacted, read by every worker as a table. */
    public static final String CONTROL = "recording.control";
    /** Status events, keyed by mint_id. */
    public static final String STATUS = "recording.status";
    /**
     * The workers' lease table: which job holds which mint, at which attempt, on which worker. Compacted, keyed by
     * job_id, partitioned by mint_id (so the claims for one mint are in one order). Internal to the workers; it changes
     * only when a recording starts, ends or fails over.
     */
    public static final String LEASES = "recording.leases";
    /** Memory alarms, keyed by worker_id. */
    public static final String ALARMS = "recording.alarms";
    /** Jobs the workers could not parse or validate: raw bytes, reason and source offset. */
    public static final String JOBS_DLQ = "recording.jobs.dlq";
    /** Where the broker archives jobs that exhausted the share group's delivery limit (KIP-1191 needs the {@code dlq.} prefix). */
    public static final String JOBS_BROKER_DLQ = "dlq.recording.jobs";

    /** The share group the workers use on {@link #JOBS}. */
    public static final String WORKER_SHARE_GROUP = "mint-recorder-workers";

    /**
     * The consumer group of the workers' guardians on {@link #STATUS}: each status partition has one guardian, which
     * fails over the recordings of that partition whose worker went silent.
     */
    public static final String GUARDIAN_GROUP = "mint-recorder-guardians";

    /** A topic and the settings it is created with. */
    public record TopicSpec(String name, int partitions, Map<String, String> configs) {}

    /** The topics to create, with their partition counts and configs. */
    public static List<TopicSpec> all() {
        return List.of(
                // One partition: a share consumer holding a job fetches nothing more, and with fewer consumers than
                // partitions the assignor gives each partition to only some of them, so a job could wait behind a
                // busy slot while others idle. With one partition every slot sees every job; share groups, not
                // partitions, spread the work.
                new TopicSpec(JOBS, 1, Map.of()),
                new TopicSpec(CONTROL, 3, Map.of("cleanup.policy", "compact")),
                new TopicSpec(STATUS, 6, Map.of()),
                // Compacted; segments roll hourly so that ended leases (tombstoned by the guardians) are cleaned soon
                // and a starting worker reads little more than the live table.
                new TopicSpec(LEASES, 6, Map.of("cleanup.policy", "compact", "segment.ms", "3600000",
                        "delete.retention.ms", "3600000")),
                new TopicSpec(ALARMS, 1, Map.of()),
                new TopicSpec(JOBS_DLQ, 1, Map.of()),
                new TopicSpec(JOBS_BROKER_DLQ, 1, Map.of("errors.deadletterqueue.group.enable", "true")));
    }
}
