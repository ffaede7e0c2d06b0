package dev.mintrecorder.worker.memory;

import dev.mintrecorder.worker.ops.ConfigException;
import dev.mintrecorder.worker.ops.Setting;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The memory governor's and the admission's settings.
 *
 * @param budgetBytes the budget; 0 means "derive it" ({@link MemoryBudget#resolve})
 * @param thresholds the level thresholds and hysteresis, as fractions of the budget
 * @param sampleInterval how often the governor samples
 * @param alarmInterval how often an alarm is repeated while the level stays above OK
 * @param handoverInterval the least time between two emergency handovers
 * @param roomCostBytes what one more room is expected to add to RSS
 * @param headroomBytes what admission keeps free on top
 * @param queueShrink the factor the frame queues' byte and frame bounds are multiplied by at CRITICAL
 */
public record MemoryConfig(long budgetBytes, MemoryLevels.Thresholds thresholds, Duration sampleInterval,
                           Duration alarmInterval, Duration handoverInterval, long roomCostBytes, long headroomBytes,
                           double queueShrink) {
    static final long MIB = 1024 * 1024;

    static final Setting<Long> MEMORY_BUDGET_BYTES = Setting.bytes("MEMORY_BUDGET_BYTES", 0, 0, Long.MAX_VALUE,
            "The memory budget the governor's levels and the admission are computed against. 0: 80% of the cgroup "
                    + "memory limit (v2 memory.max, or v1 memory.limit_in_bytes), or 2 GiB when there is no limit.");
    static final Setting<Double> MEMORY_WARN_FRACTION = Setting.fraction("MEMORY_WARN_FRACTION", 0.70, 0.05, 1.0,
            "RSS share of the budget at which the governor publishes a WARN alarm.");
    static final Setting<Double> MEMORY_CRITICAL_FRACTION = Setting.fraction("MEMORY_CRITICAL_FRACTION", 0.85, 0.05,
            1.0, "RSS share of the budget at which the worker stops taking jobs, asks every room for a lower video "
                    + "layer and shrinks the frame queues.");
    static final Setting<Double> MEMORY_EMERGENCY_FRACTION = Setting.fraction("MEMORY_EMERGENCY_FRACTION", 0.95,
            0.05, 1.5, "RSS share of the budget at which the room using the most memory is handed over to another "
                    + "worker (gracefully) and the worker reports not ready.");
    static final Setting<Double> MEMORY_HYSTERESIS = Setting.fraction("MEMORY_HYSTERESIS", 0.05, 0.0, 0.5,
            "A level is left only once RSS is this share of the budget below its threshold.");
    static final Setting<Duration> MEMORY_SAMPLE_INTERVAL = Setting.duration("MEMORY_SAMPLE_INTERVAL", "1s",
            Duration.ofMillis(50), Duration.ofMinutes(1), "How often the memory governor samples.");
    static final Setting<Duration> MEMORY_ALARM_INTERVAL = Setting.duration("MEMORY_ALARM_INTERVAL", "30s",
            Duration.ofSeconds(1), Duration.ofHours(1),
            "Alarms go out on each level change, and at most this often while the level stays above OK.");
    static final Setting<Duration> MEMORY_HANDOVER_INTERVAL = Setting.duration("MEMORY_HANDOVER_INTERVAL", "15s",
            Duration.ofMillis(100), Duration.ofHours(1),
            "At EMERGENCY, the least time between two handovers (freed memory takes a moment to show in RSS).");
    static final Setting<Long> ROOM_MEMORY_COST_BYTES = Setting.bytes("MEMORY_ROOM_COST_BYTES", 80 * MIB, MIB,
            1L << 40, "RSS one more room is expected to add, reserved by admission until the room runs. Default: the "
                    + "measured marginal RSS of a 720p30 room with the production JVM flags, the higher of two runs "
                    + "(57 and 77 MB; docs/design.md), rounded up.")
            .was("ROOM_MEMORY_COST_BYTES");
    static final Setting<Long> MEMORY_HEADROOM_BYTES = Setting.bytes("MEMORY_HEADROOM_BYTES", 64 * MIB, 0, 1L << 40,
            "Memory admission keeps free on top of the rooms' costs.");
    static final Setting<Double> MEMORY_QUEUE_SHRINK = Setting.fraction("MEMORY_QUEUE_SHRINK", 0.5, 0.05, 1.0,
            "At CRITICAL, each frame queue's bounds are set to this share of the configured ones; restored once the "
                    + "level is back to OK.");

    public static final List<Setting<?>> SETTINGS = List.of(MEMORY_BUDGET_BYTES, MEMORY_WARN_FRACTION,
            MEMORY_CRITICAL_FRACTION, MEMORY_EMERGENCY_FRACTION, MEMORY_HYSTERESIS, MEMORY_SAMPLE_INTERVAL,
            MEMORY_ALARM_INTERVAL, MEMORY_HANDOVER_INTERVAL, ROOM_MEMORY_COST_BYTES, MEMORY_HEADROOM_BYTES,
            MEMORY_QUEUE_SHRINK);

    public static MemoryConfig from(Map<String, String> env) {
        double warn = MEMORY_WARN_FRACTION.read(env);
        double critical = MEMORY_CRITICAL_FRACTION.read(env);
        double emergency = MEMORY_EMERGENCY_FRACTION.read(env);
        if (!(warn < critical)) {
            throw new ConfigException(MEMORY_CRITICAL_FRACTION.name(), "must be above MEMORY_WARN_FRACTION (" + warn
                    + "), got " + critical);
        }
        if (!(critical < emergency)) {
            throw new ConfigException(MEMORY_EMERGENCY_FRACTION.name(), "must be above MEMORY_CRITICAL_FRACTION ("
                    + critical + "), got " + emergency);
        }
        return new MemoryConfig(MEMORY_BUDGET_BYTES.read(env),
                new MemoryLevels.Thresholds(warn, critical, emergency, MEMORY_HYSTERESIS.read(env)),
                MEMORY_SAMPLE_INTERVAL.read(env), MEMORY_ALARM_INTERVAL.read(env), MEMORY_HANDOVER_INTERVAL.read(env),
                ROOM_MEMORY_COST_BYTES.read(env), MEMORY_HEADROOM_BYTES.read(env), MEMORY_QUEUE_SHRINK.read(env));
    }
}
