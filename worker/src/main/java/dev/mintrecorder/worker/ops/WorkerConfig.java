package dev.mintrecorder.worker.ops;

import dev.mintrecorder.worker.jobs.JobsConfig;
import dev.mintrecorder.worker.media.MediaConfig;
import dev.mintrecorder.worker.memory.MemoryConfig;
import dev.mintrecorder.worker.room.RoomConfig;
import dev.mintrecorder.worker.storage.StorageConfig;
import dev.mintrecorder.worker.storage.SpoolConfig;
import dev.mintrecorder.worker.storage.UploadConfig;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The worker's whole configuration: one typed record, loaded from environment variables.
 *
 * <p>Each capability declares its own variables beside its code (for example {@link JobsConfig});
 * this record composes them. {@link #load(Map)} validates everything at start and throws a
 * {@link ConfigException} naming the first bad variable.
 */
public record WorkerConfig(String workerId, KafkaClientConfig kafka, JobsConfig jobs, RoomConfig room,
                           StorageConfig storage, UploadConfig upload, SpoolConfig spool, MediaConfig media,
                           MemoryConfig memory, OpsConfig ops) {

    static final Setting<String> WORKER_ID = Setting.string("WORKER_ID", "",
            "This worker's id in status events and alarms. Default: the host name plus a random suffix.");

    /** Every variable the worker reads, in the order the README lists them. */
    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(List.of(WORKER_ID));
        all.addAll(KafkaClientConfig.SETTINGS);
        all.addAll(JobsConfig.SETTINGS);
        all.addAll(RoomConfig.SETTINGS);
        all.addAll(StorageConfig.SETTINGS);
        all.addAll(UploadConfig.SETTINGS);
        all.addAll(SpoolConfig.SETTINGS);
        all.addAll(MediaConfig.SETTINGS);
        all.addAll(MemoryConfig.SETTINGS);
        all.addAll(OpsConfig.SETTINGS);
        return List.copyOf(all);
    }

    public static WorkerConfig load(Map<String, String> env) {
        String workerId = WORKER_ID.read(env);
        if (workerId.isEmpty()) {
            workerId = defaultWorkerId();
        }
        return new WorkerConfig(workerId, KafkaClientConfig.from(env), JobsConfig.from(env), RoomConfig.from(env),
                StorageConfig.from(env), UploadConfig.from(env), SpoolConfig.from(env), MediaConfig.from(env),
                MemoryConfig.from(env), OpsConfig.from(env));
    }

    /** Kafka's bootstrap servers (the rest of {@link #kafka()} is how to connect to them). */
    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
