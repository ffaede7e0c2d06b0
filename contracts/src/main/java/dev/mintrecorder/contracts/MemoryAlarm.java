package dev.mintrecorder.contracts;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The memory governor's alarm, on {@link Topics#ALARMS} keyed by worker_id. It names each room's queue bytes and
 * drops, so an operator sees which room is heavy, not only that the process is.
 *
 * @param rssBytes    resident set size from /proc/self/status
 * @param heapBytes   JVM heap in use
 * @param nativeBytes off-heap memory the JVM can count
 * @param budgetBytes the budget the levels are computed against
 * @param actions     what the governor did at this level, in order
 * @param spool       the worker's local segment spool, when it has one (added within schema 1: absent otherwise and in
 *                    alarms written before it was added). {@code level} is memory's; the spool's is its own.
 */
public record MemoryAlarm(
        String workerId,
        Level level,
        long rssBytes,
        long heapBytes,
        NativeMemory nativeBytes,
        long budgetBytes,
        List<Room> rooms,
        List<Action> actions,
        Instant at,
        Spool spool) implements Message {

    public MemoryAlarm {
        Validation.safeName("worker_id", workerId);
        Validation.required("level", level);
        Validation.nonNegative("rss_bytes", rssBytes);
        Validation.nonNegative("heap_bytes", heapBytes);
        Validation.required("native_bytes", nativeBytes);
        Validation.nonNegative("budget_bytes", budgetBytes);
        rooms = List.copyOf(Validation.required("rooms", rooms));
        actions = List.copyOf(Validation.required("actions", actions));
        Validation.timestamp("at", at);
    }

    /** An alarm from a worker without a spool. */
    public MemoryAlarm(String workerId, Level level, long rssBytes, long heapBytes, NativeMemory nativeBytes,
                       long budgetBytes, List<Room> rooms, List<Action> actions, Instant at) {
        this(workerId, level, rssBytes, heapBytes, nativeBytes, budgetBytes, rooms, actions, at, null);
    }

    /** Levels with hysteresis; OK is published when a level clears. */
    public enum Level { OK, WARN, CRITICAL, EMERGENCY }

    /** What the governor did. */
    public enum Action { ALARM_ONLY, PAUSE_INTAKE, RESUME_INTAKE, LOWER_VIDEO_LAYER, SHRINK_QUEUES, HANDOVER_ROOM }

    /** JavaCPP's physical bytes (FFmpeg) and the JVM's direct buffers. */
    public record NativeMemory(long javacppBytes, long directBytes) {
        public NativeMemory {
            Validation.nonNegative("native_bytes.javacpp_bytes", javacppBytes);
            Validation.nonNegative("native_bytes.direct_bytes", directBytes);
        }
    }

    /** One room's share: bytes held in its frame queues and part buffers, and frames it dropped. */
    public record Room(MintId mintId, UUID jobId, long queueBytes, long dropped) {
        public Room {
            Validation.required("rooms[].mint_id", mintId);
            Validation.required("rooms[].job_id", jobId);
            Validation.nonNegative("rooms[].queue_bytes", queueBytes);
            Validation.nonNegative("rooms[].dropped", dropped);
        }
    }

    /**
     * The worker's local spool: segment bytes S3 has not taken yet. Its level is a share of {@code maxBytes} (WARN from
     * 50%, CRITICAL from 80%; never EMERGENCY); at CRITICAL, or with less free than one room's share, the worker takes
     * no more rooms.
     *
     * @param lostSegments segments lost since the worker started because the spool was full or off
     */
    public record Spool(Level level, long bytes, long maxBytes, long segments, long lostSegments) {
        public Spool {
            Validation.required("spool.level", level);
            Validation.nonNegative("spool.bytes", bytes);
            Validation.nonNegative("spool.max_bytes", maxBytes);
            Validation.nonNegative("spool.segments", segments);
            Validation.nonNegative("spool.lost_segments", lostSegments);
        }
    }
}
