package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.MintId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The assembled memory control in this JVM: a room that registers as running releases its job's reservation. */
class WorkerMemoryTest {
    @Test
    void aRunningRoomReleasesItsReservationAndTheGovernorSamples() {
        List<MemoryAlarm> alarms = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MemoryConfig config = MemoryConfig.from(Map.of("MEMORY_BUDGET_BYTES", Long.toString(64L << 30)));
        try (WorkerMemory memory = WorkerMemory.start("worker-m", config, alarms::add, registry,
                new RoomMemoryRegistry())) {
            UUID job = UUID.randomUUID();
            Admission.Reservation r = memory.admission().tryReserve().orElseThrow().forJob(job);
            assertEquals(config.roomCostBytes(), memory.admission().reservedBytes());
            assertEquals(config.roomCostBytes(), registry.get("recorder.memory.reserved").gauge().value());
            RoomMemoryRegistry.Registration reg = memory.rooms().register(new AssembledRoomMemory(
                    new MintId("W" + "1".repeat(31)), job, List.of(), () -> 0,
                    new AssembledRoomMemory.Levers(() -> { }, () -> { }, () -> { })));
            assertEquals(0, memory.admission().reservedBytes());
            r.close();
            reg.close();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> memory.governor().lastSample().rssBytes() > 0);
            assertEquals(64L << 30, memory.governor().budgetBytes());
            assertTrue(memory.governor().notLiveReason().isEmpty());
            assertEquals(List.of(), alarms, "a 64 GiB budget raises no alarm");
        }
    }
}
