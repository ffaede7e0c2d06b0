package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker whose guardian cannot join its consumer group (here the broker's classic {@code group.max.size} is 1, as an
 * operator might set it) does not look healthy: it is unready with the reason and the setting that fixes it,
 * {@code recorder_jobs_guardian_up} is 0, it offers no capacity, and it recovers once the group has room.
 */
class GuardianGroupCapIT {
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit(DevstackOptions.forTests().withKafka(KafkaBrokerOptions.fastForTests()
            .withExtraBrokerProperties(Map.of("group.max.size", "1"))));

    @Test
    void aWorkerWhoseGuardianCannotJoinIsUnreadyUntilItCan() {
        JobEngine first = kit.engine("w-gcap-1", 2);
        await().atMost(Duration.ofSeconds(60)).until(first::ready);
        await().atMost(Duration.ofSeconds(60)).until(() -> kit.gauge("w-gcap-1", "recorder.jobs.guarded.partitions") > 0);

        JobEngine second = kit.engine("w-gcap-2", 2);
        await().atMost(Duration.ofSeconds(60)).until(() -> second.notReadyReason()
                .filter(r -> r.contains("guardian failing")).isPresent());
        String reason = second.notReadyReason().orElseThrow();
        assertTrue(reason.contains("GroupMaxSizeReachedException"), reason);
        assertFalse(second.ready());
        assertEquals(0.0, kit.gauge("w-gcap-2", "recorder.jobs.guardian.up"));
        assertEquals(1.0, kit.gauge("w-gcap-2", "recorder.jobs.dispatch.up"), "only the guardian is down");
        assertEquals(0.0, kit.gauge("w-gcap-2", "recorder.rooms.max"), "no capacity on offer while unready");
        assertTrue(kit.counter("w-gcap-2", "recorder.jobs.guardian.errors") >= Guardian.FAILING_AFTER);
        assertTrue(first.ready(), "the member that got in is unaffected");
        assertEquals(1.0, kit.gauge("w-gcap-1", "recorder.jobs.guardian.up"));

        // The member leaves: the second guardian gets in on a later round and the worker is ready again.
        first.drain(Duration.ofSeconds(20));
        first.close();
        await().atMost(Duration.ofSeconds(90)).until(second::ready);
        assertEquals(1.0, kit.gauge("w-gcap-2", "recorder.jobs.guardian.up"));
        assertEquals(2.0, kit.gauge("w-gcap-2", "recorder.rooms.max"));
    }
}
