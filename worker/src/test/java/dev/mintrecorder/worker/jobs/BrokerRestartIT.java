package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker is restarted under a running recording: the session goes on, events and renewals resume. */
class BrokerRestartIT {
    private static final Logger log = LoggerFactory.getLogger(BrokerRestartIT.class);
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit();

    /**
     * A broker restart longer than the liveness window: the recordings never stop, and no guardian mistakes the silence
     * for a dead worker (a guardian judges only partitions it is caught up with). Six recordings on one worker spread
     * over the status partitions, so the other worker guards some of them.
     */
    @Test
    void recordingsSurviveABrokerRestartWithoutAFalseFailover() {
        kit.engine("w-steady", 6);
        List<String> mints = new ArrayList<>();
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            mints.add(kit.mint());
            jobs.add(kit.start(mints.get(i), "until-stopped"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> kit.tracker.running("w-steady") == 6);
        kit.engine("w-guard", 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> kit.gauge("w-guard", "recorder.jobs.guarded.partitions") > 0);

        kit.stack.kafka().restart();
        Instant back = Instant.now();

        // The sessions never stopped: their heartbeats flow again.
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.stream().allMatch(j ->
                kit.log.of(j, StatusEvent.Heartbeat.class).stream().anyMatch(h -> h.at().isAfter(back))));
        // Several liveness windows later, still the same sessions, and no failover anywhere.
        await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(12))
                .until(() -> kit.tracker.running("w-steady") == 6);
        log.info("BROKER RESTART: sessions started {}, failovers {}, fenced {}", kit.tracker.started(),
                kit.counter("w-guard", "recorder.jobs.failovers") + kit.counter("w-steady", "recorder.jobs.failovers"),
                kit.counter("w-steady", "recorder.jobs.fenced"));
        assertEquals(6, kit.tracker.started(), "the same sessions throughout");
        assertEquals(0.0, kit.counter("w-guard", "recorder.jobs.failovers"));
        assertEquals(0.0, kit.counter("w-steady", "recorder.jobs.fenced"));
        for (UUID job : jobs) {
            assertTrue(kit.log.terminal(job).isEmpty(), kit.log.of(job).toString());
            assertTrue(kit.log.of(job, StatusEvent.Resumed.class).isEmpty(), kit.log.of(job).toString());
        }

        mints.forEach(m -> kit.jobs.stop(m, "done"));
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.stream().allMatch(j -> !kit.log.terminal(j).isEmpty()));
        // No redelivery after the end: each job ends exactly once.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() ->
                jobs.stream().allMatch(j -> kit.log.terminal(j).size() == 1) && kit.tracker.running("w-steady") == 0);
        jobs.forEach(j -> assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(j).getFirst()));
    }
}
