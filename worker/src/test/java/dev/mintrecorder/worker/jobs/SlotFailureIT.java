package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slot whose consumer cannot recover is reported, not hidden: with the broker's share-group member cap at 2, the
 * third slot of a worker cannot join the group. The worker turns unready, counts the slot out of its capacity, and
 * says which slot failed and why.
 */
class SlotFailureIT {
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit(DevstackOptions.forTests().withKafka(KafkaBrokerOptions.fastForTests()
            .withExtraBrokerProperties(Map.of("group.share.max.size", "2"))));

    @Test
    void aSlotThatCannotJoinTheFullGroupMakesTheWorkerUnready() {
        JobEngine engine = kit.engine("w-capped", 3);

        await().atMost(Duration.ofSeconds(60)).until(() -> kit.gauge("w-capped", "recorder.slots.failed") == 1.0);

        String reason = engine.notReadyReason().orElseThrow();
        assertTrue(reason.startsWith("job slot ") && reason.contains("GroupMaxSizeReachedException"), reason);
        assertEquals(2.0, kit.gauge("w-capped", "recorder.rooms.max"), "capacity no longer on offer is not advertised");
    }
}
