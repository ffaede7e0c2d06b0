package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
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

    @Test
    void aRecordingSurvivesABrokerRestart() {
        kit.engine("w-steady", 2);
        String mint = kit.mint();
        UUID job = kit.start(mint, "until-stopped");
        await().atMost(Duration.ofSeconds(30)).until(() -> kit.log.of(job, StatusEvent.Heartbeat.class).size() >= 2);

        kit.stack.kafka().restart();
        Instant back = Instant.now();
        double renewedBefore = kit.counter("w-steady", "recorder.jobs.renewals");

        // The session never stopped: its heartbeats flow again, and its lock is renewed again (the broker forgot the
        // acquisition; the record came back to this worker, which kept the same session going).
        await().atMost(Duration.ofSeconds(60)).until(() -> kit.log.of(job, StatusEvent.Heartbeat.class).stream()
                .anyMatch(h -> h.at().isAfter(back)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> kit.counter("w-steady", "recorder.jobs.renewals") >= renewedBefore + 3);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> kit.tracker.running("w-steady") == 1);
        log.info("BROKER RESTART: sessions started {}, renew failures {}, lost locks {}, resumed {}",
                kit.tracker.started(), kit.counter("w-steady", "recorder.jobs.renew.failures"),
                kit.counter("w-steady", "recorder.jobs.lost.locks"), kit.counter("w-steady", "recorder.jobs.resumed"));
        assertEquals(1, kit.tracker.started(), "the same session throughout: " + kit.log.of(job));
        assertTrue(kit.log.terminal(job).isEmpty(), kit.log.of(job).toString());

        kit.jobs.stop(mint, job, "done");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(job).isEmpty());
        assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(job).getFirst());
        // No redelivery after the end: the job ends exactly once.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
                .until(() -> kit.log.terminal(job).size() == 1 && kit.tracker.running("w-steady") == 0);
    }
}
