package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;

/**
 * What the {@link MemoryGovernor} does to the worker. {@link WorkerGovernorActions} is the worker's; tests record the
 * calls. Each is called from the governor's thread and must return promptly.
 */
public interface GovernorActions {

    /** Publishes the alarm (Kafka {@code recording.alarms}). */
    void publish(MemoryAlarm alarm);

    /** CRITICAL: stop acquiring jobs. */
    void pauseIntake();

    /** Below CRITICAL again. */
    void resumeIntake();

    /** CRITICAL: ask every room for a lower video layer. */
    void lowerLayers();

    void restoreLayers();

    /** CRITICAL: shrink every room's frame queues. */
    void shrinkQueues();

    void restoreQueues();

    /** EMERGENCY: hand {@code room} over to another worker (gracefully, not a kill). */
    void handOver(RoomMemory room);
}
