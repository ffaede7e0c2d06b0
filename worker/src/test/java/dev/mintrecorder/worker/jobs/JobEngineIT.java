package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.worker.memory.Admission;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job engine against the devstack's real Kafka broker (2 s record lock) and S3. */
class JobEngineIT {
    @RegisterExtension
    static final JobTestKit kit = new JobTestKit();

    @Test
    void threeWorkersOfTwoRoomsRunTwentyJobsEachExactlyOnce() {
        int startedBefore = kit.tracker.started();
        List<String> workers = List.of("w-a", "w-b", "w-c");
        workers.forEach(w -> kit.engine(w, 2));
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            jobs.add(kit.start(kit.mint(), "finish-2"));
        }

        await().atMost(Duration.ofSeconds(120)).until(() -> jobs.stream().allMatch(j -> !kit.log.terminal(j).isEmpty()));

        for (String w : workers) {
            assertTrue(kit.tracker.highWater(w) <= 2, w + " ran " + kit.tracker.highWater(w) + " at once");
        }
        for (UUID job : jobs) {
            List<StatusEvent> events = kit.log.of(job);
            List<StatusEvent> terminal = kit.log.terminal(job);
            assertEquals(1, terminal.size(), "one end for " + job + ": " + events);
            StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, terminal.getFirst());
            assertEquals("room_closed", stopped.reason());
            assertEquals(StatusEvent.EndCode.ROOM_CLOSED, stopped.code());
            assertInstanceOf(StatusEvent.Accepted.class, events.getFirst(), "first event of " + job);
            assertEquals(stopped, events.getLast(), "last event of " + job);
            assertTrue(events.stream().anyMatch(e -> e instanceof StatusEvent.Heartbeat), "heartbeats of " + job);
            assertEquals(1, events.stream().map(StatusEvent::workerId).distinct().count(), "one worker: " + events);
            assertTrue(events.stream().allMatch(e -> e.attempt() == 1), "attempt 1 throughout: " + events);
            for (int i = 1; i < events.size(); i++) {
                assertTrue(!events.get(i).at().isBefore(events.get(i - 1).at()), "in order: " + events);
            }
        }
        assertEquals(20, kit.tracker.started() - startedBefore);
        assertEquals(20, workers.stream().mapToDouble(w -> kit.counter(w, "recorder.jobs.acquired")).sum());
    }

    @Test
    void aWorkerNeverAcquiresMoreRecordsThanFreePermits() {
        kit.engine("w-cap", 2);
        List<String> mints = new ArrayList<>();
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String mint = kit.mint();
            mints.add(mint);
            jobs.add(kit.start(mint, "until-stopped"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> kit.tracker.running("w-cap") == 2);
        // Both permits are taken: for several lock durations nothing more is acquired.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() ->
                kit.counter("w-cap", "recorder.jobs.acquired") == 2
                        && kit.gauge("w-cap", "recorder.rooms.active") == 2);
        // The backlog gauge (Admin API lag: records not yet acknowledged) sees the rest.
        await().atMost(Duration.ofSeconds(10)).until(() -> kit.gauge("w-cap", "recorder.jobs.backlog"), v -> v >= 4);

        mints.forEach(m -> kit.jobs.stop(m, "enough"));
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.stream().allMatch(j -> !kit.log.terminal(j).isEmpty()));
        assertEquals(6, jobs.stream().filter(j -> kit.log.terminal(j).getFirst() instanceof StatusEvent.Stopped).count());
    }

    @Test
    void aJobRunningThreeLockDurationsIsNeverRedeliveredWhileItsWorkerLives() {
        kit.engine("w-long", 1);
        kit.engine("w-idle", 1);
        Duration lock = kit.stack.kafka().options().recordLockDuration();
        int ticks = (int) (lock.toSeconds() * 3 + 1);
        UUID job = kit.start(kit.mint(), "finish-" + ticks);

        await().atMost(Duration.ofSeconds(30 + ticks)).until(() -> !kit.log.terminal(job).isEmpty());

        List<StatusEvent> events = kit.log.of(job);
        assertEquals(1, events.stream().filter(e -> e instanceof StatusEvent.Accepted).count(), events.toString());
        assertTrue(events.stream().noneMatch(e -> e instanceof StatusEvent.Resumed), events.toString());
        assertEquals(1, events.stream().map(StatusEvent::workerId).distinct().count(), events.toString());
        assertInstanceOf(StatusEvent.Stopped.class, events.getLast());
        String holder = events.getFirst().workerId();
        assertEquals(0, kit.counter(holder, "recorder.jobs.lost.locks"));
        assertEquals(1, kit.counter("w-long", "recorder.jobs.acquired") + kit.counter("w-idle", "recorder.jobs.acquired"));
    }

    @Test
    void aWorkerWithoutMemoryHeadroomAcquiresNothingUntilItHasSome() {
        AtomicLong rss = new AtomicLong(100);
        Admission admission = new Admission(100, 10, 0, rss::get); // full: one more room does not fit
        kit.engine("w-full", 1, admission);
        String mint = kit.mint();
        UUID job = kit.start(mint, "until-stopped");

        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> kit.log.of(job).isEmpty());
        assertEquals(0, kit.tracker.highWater("w-full"));

        rss.set(0);
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(job, StatusEvent.Heartbeat.class).isEmpty());
        assertEquals(10, admission.reservedBytes(), "the room's cost stays reserved until it runs or ends");

        kit.jobs.stop(mint, job, "done");
        await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(job).isEmpty());
    }

    /** A refusing session factory (the worker's spool is nearly full) takes the worker out of the fleet until it clears. */
    @Test
    void aWorkerWhoseSessionsRefuseTakesNoJobAndOffersNoCapacityUntilTheyClear() {
        AtomicReference<Optional<String>> refusal = new AtomicReference<>(Optional.of("spool CRITICAL: test"));
        TickSessionFactory ticks = kit.ticks();
        RecordingSessionFactory spoolFull = new RecordingSessionFactory() {
            @Override
            public RecordingSession create(SessionContext context) {
                return ticks.create(context);
            }

            @Override
            public Optional<String> refusal() {
                return refusal.get();
            }
        };
        JobEngine engine = kit.engine("w-spool", 2, spoolFull);
        String mint = kit.mint();
        UUID job = kit.start(mint, "until-stopped");

        await().atMost(Duration.ofSeconds(15)).until(() -> engine.notReadyReason()
                .equals(Optional.of("spool CRITICAL: test")));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> kit.log.of(job).isEmpty());
        assertEquals(0.0, kit.gauge("w-spool", "recorder.rooms.max"), "no capacity on offer");

        refusal.set(Optional.empty());
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(job, StatusEvent.Heartbeat.class).isEmpty());
        assertTrue(engine.ready());
        assertEquals(2.0, kit.gauge("w-spool", "recorder.rooms.max"));

        kit.jobs.stop(mint, job, "done");
        await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(job).isEmpty());
    }

    @Test
    void aStopWhileRecordingEndsTheJob() {
        kit.engine("w-stop", 1);
        String mint = kit.mint();
        UUID job = kit.start(mint, "until-stopped");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(job, StatusEvent.Heartbeat.class).isEmpty());

        kit.jobs.stop(mint, job, "viewer left");

        await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(job).isEmpty());
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(job).getFirst());
        assertEquals("stopped: viewer left", stopped.reason());
        assertEquals(StatusEvent.EndCode.STOP_REQUESTED, stopped.code());
        // Exactly one terminal event: nothing ends the job a second time in the seconds after.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> kit.log.terminal(job).size() == 1);
        assertEquals(0, kit.tracker.running("w-stop"));
    }

    @Test
    void aStopBeforeAcquisitionEndsTheJobWithoutRecording() {
        String mint = kit.mint();
        UUID job = kit.start(mint, "until-stopped");
        kit.jobs.stop(mint, job, "changed my mind");
        kit.engine("w-early", 1);

        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(job).isEmpty());
        List<StatusEvent> events = kit.log.of(job);
        assertEquals(1, events.size(), events.toString());
        StatusEvent.Stopped stopped = assertInstanceOf(StatusEvent.Stopped.class, events.getFirst());
        assertEquals("stop requested before start: changed my mind", stopped.reason());
        assertEquals(StatusEvent.EndCode.STOP_REQUESTED, stopped.code());
        assertNull(stopped.recording(), "nothing was recorded");
        assertEquals(0, kit.tracker.highWater("w-early"));
    }

    @Test
    void aSecondStartForARecordingMintIsADuplicate() {
        kit.engine("w-dup-1", 1);
        kit.engine("w-dup-2", 1);
        String mint = kit.mint();
        UUID first = kit.start(mint, "until-stopped");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(first, StatusEvent.Heartbeat.class).isEmpty());

        UUID second = kit.start(mint, "until-stopped");

        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(second).isEmpty());
        List<StatusEvent> events = kit.log.of(second);
        assertEquals(1, events.size(), events.toString());
        assertInstanceOf(StatusEvent.Duplicate.class, events.getFirst());
        assertTrue(kit.log.terminal(first).isEmpty(), "the first recording goes on");
        kit.jobs.stop(mint, first, "done");
        await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(first).isEmpty());
        // One end each: the first job's STOPPED, the second's DUPLICATE, and nothing more for either.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                kit.log.terminal(first).size() == 1 && kit.log.terminal(second).size() == 1);
        assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(first).getFirst());
    }

    /**
     * Two STARTs for one mint produced back to back, with two idle workers: each may be acquired by another worker in
     * the same instant. Whatever the timing, the earlier claim in the lease table records and the other is a
     * DUPLICATE (LeaseTableTest pins the rule itself).
     */
    @Test
    void twoStartsForOneMintAtTheSameInstantRecordOnce() {
        int startedBefore = kit.tracker.started();
        kit.engine("w-race-1", 1);
        kit.engine("w-race-2", 1);
        String mint = kit.mint();
        UUID a = kit.start(mint, "until-stopped");
        UUID b = kit.start(mint, "until-stopped");

        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.of(a).isEmpty() && !kit.log.of(b).isEmpty()
                && (kit.log.of(a, StatusEvent.Duplicate.class).size() + kit.log.of(b, StatusEvent.Duplicate.class).size()) == 1);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() ->
                kit.tracker.running("w-race-1") + kit.tracker.running("w-race-2") == 1);
        UUID recording = kit.log.of(a, StatusEvent.Duplicate.class).isEmpty() ? a : b;
        kit.jobs.stop(mint, recording, "done");
        await().atMost(Duration.ofSeconds(15)).until(() -> !kit.log.terminal(recording).isEmpty());
        assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(recording).getFirst());
        assertEquals(1, kit.tracker.started() - startedBefore, "one recording of the mint, ever");
    }

    @Test
    void fiftyMalformedRecordsLandInTheDlqWhileValidJobsRun() {
        kit.engine("w-dlq-1", 2);
        kit.engine("w-dlq-2", 2);
        List<UUID> valid = new ArrayList<>();
        Set<Long> badOffsets = new HashSet<>();
        valid.add(kit.start(kit.mint(), "finish-2"));
        for (int i = 0; i < 50; i++) {
            byte[] value = switch (i % 5) {
                case 0 -> ("garbage " + i).getBytes(StandardCharsets.UTF_8);
                case 1 -> new byte[0];
                case 2 -> "{\"schema\":1}".getBytes(StandardCharsets.UTF_8);
                case 3 -> ("{\"schema\":1,\"job_id\":\"" + UUID.randomUUID() + "\",\"mint_id\":\"not-a-mint-" + i
                        + "\",\"requested_at\":\"2026-11-24T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
                default -> new byte[] {(byte) 0xff, (byte) 0xfe, (byte) i};
            };
            RecordMetadata at = kit.startRaw("bad-" + i, value);
            badOffsets.add(at.offset() * 100 + at.partition());
            if (i % 10 == 9) {
                valid.add(kit.start(kit.mint(), "finish-2"));
            }
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> valid.stream().allMatch(j -> !kit.log.terminal(j).isEmpty())
                && dlqFor(badOffsets).size() == 50);

        for (UUID job : valid) {
            assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(job).getFirst(), kit.log.of(job).toString());
        }
        List<DlqRecord> dead = dlqFor(badOffsets);
        assertEquals(50, dead.size());
        assertTrue(dead.stream().allMatch(d -> !d.reason().isBlank()), dead.toString());
        assertTrue(dead.stream().anyMatch(d -> d.reason().startsWith("malformed JSON")), dead.toString());
        assertTrue(dead.stream().anyMatch(d -> d.reason().contains("mint_id")), dead.toString());
        assertTrue(dead.stream().anyMatch(d -> d.raw().length == 0), "the empty record too");
        await().atMost(Duration.ofSeconds(10)).until(() -> rejectedAt(badOffsets).size() == 50);
        assertEquals(50, kit.counter("w-dlq-1", "recorder.jobs.rejected") + kit.counter("w-dlq-2", "recorder.jobs.rejected"));
    }

    /**
     * The two records that once jammed every slot for good (a duplicate field whose name holds a newline, one whose
     * name is 600 characters long) and a type-coerced job, between valid jobs: all three are dead-lettered with their
     * reasons and traceable REJECTED events, the valid jobs record, and the dispatcher is unharmed.
     */
    @Test
    void poisonRecordsAreDeadLetteredAndNeverJamTheDispatcher() {
        JobEngine engine = kit.engine("w-poison", 2);
        List<UUID> valid = new ArrayList<>();
        valid.add(kit.start(kit.mint(), "finish-2"));
        List<UUID> poisonJobs = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        List<String> tails = List.of(",\"a\\nb\":1,\"a\\nb\":2}",
                ",\"" + "k".repeat(600) + "\":1,\"" + "k".repeat(600) + "\":2}",
                ",\"room\":12345}");
        Set<Long> poisonOffsets = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String mint = kit.mint();
            String json = "{\"schema\":1,\"job_id\":\"" + poisonJobs.get(i) + "\",\"mint_id\":\"" + mint
                    + "\",\"requested_at\":\"2026-12-05T12:00:00Z\"" + tails.get(i);
            RecordMetadata at = kit.startRaw(mint, json.getBytes(StandardCharsets.UTF_8));
            poisonOffsets.add(at.offset() * 100 + at.partition());
            valid.add(kit.start(kit.mint(), "finish-2"));
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> valid.stream().allMatch(j -> !kit.log.terminal(j).isEmpty())
                && dlqFor(poisonOffsets).size() == 3 && rejectedAt(poisonOffsets).size() == 3);

        for (UUID job : valid) {
            assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(job).getFirst(), kit.log.of(job).toString());
        }
        List<String> reasons = dlqFor(poisonOffsets).stream().map(DlqRecord::reason).sorted().toList();
        assertEquals(2, reasons.stream().filter(r -> r.startsWith("malformed JSON at line 1 column ")
                && r.contains("Duplicate field")).count(), reasons.toString());
        assertTrue(reasons.contains("wrong type for field room: expected string"), reasons.toString());
        assertTrue(reasons.stream().anyMatch(r -> r.contains("\"a\\nb\"")), "the newline is escaped: " + reasons);
        assertEquals(Set.copyOf(poisonJobs), rejectedAt(poisonOffsets).stream().map(StatusEvent::jobId)
                .collect(java.util.stream.Collectors.toSet()), "each REJECTED names its job");
        assertTrue(engine.ready(), engine.notReadyReason().toString());
        assertEquals(1.0, kit.gauge("w-poison", "recorder.jobs.dispatch.up"));
        assertEquals(2.0, kit.gauge("w-poison", "recorder.rooms.max"));
        assertEquals(0.0, kit.counter("w-poison", "recorder.jobs.dispatch.errors"));
        assertEquals(0.0, kit.counter("w-poison", "recorder.jobs.intake.errors"));
    }

    @Test
    void aSessionErrorFailsTheJobAndTheWorkerCarriesOn() {
        JobEngine engine = kit.engine("w-flaky", 1);
        UUID failing = kit.start(kit.mint(), "fail-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(failing).isEmpty());
        StatusEvent.Failed failed = assertInstanceOf(StatusEvent.Failed.class, kit.log.terminal(failing).getFirst());
        assertEquals(StatusEvent.Scope.SESSION, failed.scope());
        assertEquals("test failure after 1 ticks", failed.error());
        assertEquals(StatusEvent.FailureCode.INTERNAL, failed.code());
        assertTrue(engine.ready(), engine.notReadyReason().toString());

        UUID next = kit.start(kit.mint(), "finish-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(next).isEmpty());
        assertInstanceOf(StatusEvent.Stopped.class, kit.log.terminal(next).getFirst());
    }

    @Test
    void aSystemErrorFailsTheJobAndMakesTheWorkerUnready() {
        // The placeholder a build without a recording pipeline runs with: every session fails with a SYSTEM error.
        JobEngine engine = kit.engine("w-broken", 1, new UnavailableRecordingSessionFactory());
        await().atMost(Duration.ofSeconds(30)).until(engine::ready);
        UUID job = kit.start(kit.mint(), "finish-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(job).isEmpty());
        StatusEvent.Failed failed = assertInstanceOf(StatusEvent.Failed.class, kit.log.terminal(job).getFirst());
        assertEquals(StatusEvent.Scope.SYSTEM, failed.scope());
        assertEquals(UnavailableRecordingSessionFactory.ERROR, failed.error());
        assertEquals(StatusEvent.FailureCode.WEBRTC, failed.code());
        assertEquals(java.util.Optional.of("system error: " + UnavailableRecordingSessionFactory.ERROR),
                engine.notReadyReason());

        // An unready worker takes no more jobs: this one stays queued until a healthy worker comes.
        UUID queued = kit.start(kit.mint(), "finish-1");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> kit.log.of(queued).isEmpty());
        kit.engine("w-healthy", 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> !kit.log.terminal(queued).isEmpty());
        assertEquals("w-healthy", kit.log.terminal(queued).getFirst().workerId());
    }

    private static List<DlqRecord> dlqFor(Set<Long> offsets) {
        return kit.deadLetters().stream()
                .filter(d -> offsets.contains(d.source().offset() * 100 + d.source().partition()))
                .toList();
    }

    /** The REJECTED events of the records at {@code offsets} (offset * 100 + partition), by their source. */
    private static List<StatusEvent.Rejected> rejectedAt(Set<Long> offsets) {
        return kit.log.all().stream()
                .filter(e -> e instanceof StatusEvent.Rejected r && r.source() != null
                        && offsets.contains(r.source().offset() * 100 + r.source().partition()))
                .map(StatusEvent.Rejected.class::cast)
                .toList();
    }
}
