package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The worker's governor actions: alarms to a publisher (the worker's {@code EventPublisher::alarm}), intake through
 * {@link Admission}, and the room levers through each registered {@link RoomMemory}. One room's failing lever is
 * logged and does not stop the others.
 */
public final class WorkerGovernorActions implements GovernorActions {
    private static final Logger log = LoggerFactory.getLogger(WorkerGovernorActions.class);

    private final Consumer<MemoryAlarm> alarms;
    private final Admission admission;
    private final RoomMemoryRegistry rooms;
    private final double queueShrink;

    public WorkerGovernorActions(Consumer<MemoryAlarm> alarms, Admission admission, RoomMemoryRegistry rooms,
                                 double queueShrink) {
        this.alarms = alarms;
        this.admission = admission;
        this.rooms = rooms;
        this.queueShrink = queueShrink;
    }

    @Override
    public void publish(MemoryAlarm alarm) {
        alarms.accept(alarm);
    }

    @Override
    public void pauseIntake() {
        admission.pause();
    }

    @Override
    public void resumeIntake() {
        admission.resume();
    }

    @Override
    public void lowerLayers() {
        each("lower the video layer", RoomMemory::lowerLayer);
    }

    @Override
    public void restoreLayers() {
        each("restore the video layer", RoomMemory::restoreLayer);
    }

    @Override
    public void shrinkQueues() {
        each("shrink the queues", r -> r.shrinkQueues(queueShrink));
    }

    @Override
    public void restoreQueues() {
        each("restore the queues", RoomMemory::restoreQueues);
    }

    @Override
    public void handOver(RoomMemory room) {
        each(room, "hand over", RoomMemory::handOver);
    }

    private void each(String what, Consumer<RoomMemory> lever) {
        rooms.list().forEach(r -> each(r, what, lever));
    }

    private static void each(RoomMemory room, String what, Consumer<RoomMemory> lever) {
        try {
            lever.accept(room);
        } catch (RuntimeException e) {
            log.warn("job {}: could not {}: {}", room.jobId(), what, e.toString());
        }
    }
}
