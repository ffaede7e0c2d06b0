package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.kafka.KafkaBrokerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The share group's member cap ({@code group.share.max.size}, lowered to 2 here) bounds workers, not rooms: two
 * workers of three rooms record six jobs at once. A third worker cannot join: it is unready, offers no capacity, counts
 * and logs the failure with the setting that fixes it, retries with backoff, and joins once a member leaves.
 */
class ShareGroupCapIT {
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit(DevstackOptions.forTests().withKafka(KafkaBrokerOptions.fastForTests()
            .withExtraBrokerProperties(Map.of("group.share.max.size", "2"))));

    @Test
    void moreRoomsThanTheCapAllRecordAndAWorkerThatCannotJoinIsUnreadyUntilItCan() {
        JobEngine first = kit.engine("w-cap-1", 3);
        kit.engine("w-cap-2", 3);
        List<String> mints = new ArrayList<>();
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String mint = kit.mint();
            mints.add(mint);
            jobs.add(kit.start(mint, "until-stopped"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() ->
                kit.tracker.running("w-cap-1") + kit.tracker.running("w-cap-2") == 6);
        assertEquals(3, kit.tracker.running("w-cap-1"));
        assertEquals(3, kit.tracker.running("w-cap-2"));

        JobEngine third = kit.engine("w-cap-3", 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> kit.counter("w-cap-3", "recorder.jobs.dispatch.errors") >= 1);
        String reason = third.notReadyReason().orElseThrow();
        assertTrue(reason.contains("GroupMaxSizeReachedException") && reason.contains("retrying"), reason);
        assertFalse(third.ready());
        assertEquals(0.0, kit.gauge("w-cap-3", "recorder.jobs.dispatch.up"));
        assertEquals(0.0, kit.gauge("w-cap-3", "recorder.rooms.max"), "no capacity on offer while it cannot dispatch");

        // A member leaves (its recordings are handed over): the third worker gets in on a retry and takes them.
        first.drain(Duration.ofSeconds(20));
        first.close();
        await().atMost(Duration.ofSeconds(90)).until(third::ready);
        assertEquals(3.0, kit.gauge("w-cap-3", "recorder.rooms.max"));
        await().atMost(Duration.ofSeconds(60)).until(() -> kit.tracker.running("w-cap-3") == 3);

        mints.forEach(m -> kit.jobs.stop(m, "enough"));
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.stream().allMatch(j -> !kit.log.terminal(j).isEmpty()));
        for (UUID job : jobs) {
            assertEquals(1, kit.log.terminal(job).size(), kit.log.of(job).toString());
            assertTrue(kit.log.terminal(job).getFirst() instanceof StatusEvent.Stopped, kit.log.of(job).toString());
        }
    }
}
