package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.worker.ops.Setting;

import java.util.List;
import java.util.Map;

/** Job intake settings. */
public record JobsConfig(int maxRooms) {
    static final Setting<Integer> MAX_ROOMS = Setting.integer("MAX_ROOMS", 4, 1, 64,
            "Concurrent recordings this worker takes (the bulkhead size).");

    public static final List<Setting<?>> SETTINGS = List.of(MAX_ROOMS);

    public static JobsConfig from(Map<String, String> env) {
        return new JobsConfig(MAX_ROOMS.read(env));
    }
}
