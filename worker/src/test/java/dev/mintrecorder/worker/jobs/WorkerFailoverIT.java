package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.devstack.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker process that dies (SIGKILL) or is told to stop (SIGTERM) while recording: another worker continues the
 * job. The worker process is the real {@code WorkerMain}, in a child JVM.
 */
class WorkerFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(WorkerFailoverIT.class);
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit();

    @Test
    void aKilledWorkersJobIsResumedByAnother() throws InterruptedException {
        try (ChildJvm doomed = kit.workerProcess("w-doomed", 1)) {
            String mint = kit.mint();
            UUID job = kit.start(mint, "until-stopped");
            await().atMost(Duration.ofSeconds(60)).until(() -> kit.log.of(job, StatusEvent.Heartbeat.class).size() >= 2);
            assertEquals("w-doomed", kit.log.of(job).getFirst().workerId(), doomed.output());
            kit.engine("w-heir", 1);

            Instant killedAt = Instant.now();
            doomed.kill();

            await().atMost(Duration.ofSeconds(60)).until(() -> !kit.log.of(job, StatusEvent.Resumed.class).isEmpty());
            StatusEvent.Resumed resumed = kit.log.of(job, StatusEvent.Resumed.class).getFirst();
            Duration delay = Duration.between(killedAt, resumed.at());
            log.info("FAILOVER: SIGKILL to RESUMED took {} ms (lock {}, session timeout {})", delay.toMillis(),
                    kit.stack.kafka().options().recordLockDuration(), kit.stack.kafka().options().sessionTimeout());
            assertEquals("w-heir", resumed.workerId());
            assertEquals(2, resumed.attempt());

            kit.jobs.stop(mint, job, "done");
            await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(job).isEmpty());
            List<StatusEvent> terminal = kit.log.terminal(job);
            assertEquals(1, terminal.size(), kit.log.of(job).toString());
            assertEquals("w-heir", terminal.getFirst().workerId());
            // Exactly one terminal event: nothing ends the job a second time in the seconds after.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> kit.log.terminal(job).size() == 1);
        }
    }

    @Test
    void sigtermHandsTheRecordingOverAndExitsZero() throws InterruptedException {
        kit.engine("w-taker", 1);
        // The in-process worker is made busy first, so the job lands on the child.
        String blocker = kit.mint();
        UUID busy = kit.start(blocker, "until-stopped");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(busy, StatusEvent.Accepted.class).isEmpty());
        try (ChildJvm leaving = kit.workerProcess("w-leaving", 1)) {
            String mint = kit.mint();
            UUID job = kit.start(mint, "until-stopped");
            await().atMost(Duration.ofSeconds(60)).until(() -> kit.log.of(job, StatusEvent.Heartbeat.class).size() >= 2);
            assertEquals("w-leaving", kit.log.of(job).getFirst().workerId(), leaving.output());
            kit.jobs.stop(blocker, busy, "make room");

            long t0 = System.nanoTime();
            int exit = leaving.terminate(Duration.ofSeconds(30));
            long drainMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, exit, leaving.output());
            log.info("DRAIN: SIGTERM to exit 0 took {} ms", drainMs);

            await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(job, StatusEvent.Resumed.class).isEmpty());
            StatusEvent.Resumed resumed = kit.log.of(job, StatusEvent.Resumed.class).getFirst();
            assertEquals("w-taker", resumed.workerId());
            assertEquals(2, resumed.attempt());
            assertTrue(kit.log.terminal(job).isEmpty(), "handed over, not ended: " + kit.log.of(job));

            kit.jobs.stop(mint, job, "done");
            await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(job).isEmpty());
            StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(job).getFirst());
            assertEquals(StatusEvent.EndCode.STOP_REQUESTED, stopped.code());
            assertEquals(1, kit.log.of(job, StatusEvent.Resumed.class).size(), "resumed once: " + kit.log.of(job));
            // Exactly one terminal event: nothing ends the job a second time in the seconds after.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> kit.log.terminal(job).size() == 1);
        }
    }
}
