package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.function.Consumer;

/**
 * The worker's memory control, assembled: the budget ({@link MemoryBudget}), the room registry it is given
 * ({@link RoomMemoryRegistry}, where the pipeline registers its rooms), the {@link Admission} the job engine asks
 * before taking a job, and the running {@link MemoryGovernor} acting through {@link WorkerGovernorActions}. One per
 * worker.
 *
 * <pre>{@code
 * RoomMemoryRegistry rooms = new RoomMemoryRegistry(); // also handed to the recording pipeline
 * WorkerMemory memory = WorkerMemory.start(config.workerId(), config.memory(), publisher::alarm, registry, rooms);
 * ... engine asks memory.admission().tryReserve() before each poll
 * ... ops readiness: memory.governor()::notReadyReason; liveness: memory.governor()::notLiveReason
 * memory.close();
 * }</pre>
 */
public final class WorkerMemory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerMemory.class);

    private final RoomMemoryRegistry rooms;
    private final Admission admission;
    private final MemoryGovernor governor;

    private WorkerMemory(RoomMemoryRegistry rooms, Admission admission, MemoryGovernor governor) {
        this.rooms = rooms;
        this.admission = admission;
        this.governor = governor;
    }

    /** Resolves the budget, builds the admission and starts the governor's sampling. */
    public static WorkerMemory start(String workerId, MemoryConfig config, Consumer<MemoryAlarm> alarms,
                                     MeterRegistry registry, RoomMemoryRegistry rooms) {
        long budget = MemoryBudget.resolve(config.budgetBytes());
        MemorySampler sampler = MemorySampler.jvm();
        // Admission reads RSS itself: a job may be offered between two samples, and before the first.
        Admission admission = new Admission(budget, config.roomCostBytes(), config.headroomBytes(),
                () -> {
                    long rss = MemorySampler.Jvm.vmRss();
                    return rss > 0 ? rss : sampler.sample().rssBytes();
                });
        rooms.onRegister(room -> admission.running(room.jobId()));
        MemoryGovernor governor = new MemoryGovernor(workerId, budget, config, sampler, rooms,
                new WorkerGovernorActions(alarms, admission, rooms, config.queueShrink()), Clock.systemUTC(), registry);
        Metric.MEMORY_RESERVED.gauge(registry, admission::reservedBytes);
        Metric.INTAKE_PAUSED.gauge(registry, () -> admission.paused() ? 1 : 0);
        governor.start();
        log.info("memory budget {} bytes ({}); room cost {}, headroom {}", budget,
                config.budgetBytes() > 0 ? "MEMORY_BUDGET_BYTES" : "derived from the cgroup limit or the default",
                config.roomCostBytes(), config.headroomBytes());
        return new WorkerMemory(rooms, admission, governor);
    }

    public RoomMemoryRegistry rooms() {
        return rooms;
    }

    public Admission admission() {
        return admission;
    }

    public MemoryGovernor governor() {
        return governor;
    }

    @Override
    public void close() {
        governor.close();
    }
}
