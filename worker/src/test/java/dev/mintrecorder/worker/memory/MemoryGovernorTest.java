package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.MemoryAlarm.Level;
import dev.mintrecorder.contracts.MintId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The governor with a small budget (1000 bytes) and fake rooms: RSS is a base plus the bytes the rooms hold, one tick a
 * second. The room levers and the alarms write to one log, so the tests assert the exact sequence.
 */
class MemoryGovernorTest {
    private static final long BUDGET = 1000;

    private final List<String> log = new ArrayList<>();
    private final List<MemoryAlarm> alarms = new ArrayList<>();
    private final RoomMemoryRegistry rooms = new RoomMemoryRegistry();
    private final Map<String, RoomMemoryRegistry.Registration> registrations = new HashMap<>();
    private final StepClock clock = new StepClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long base = 400;
    private Admission admission;
    private MemoryGovernor governor;

    @BeforeEach
    void setUp() {
        MemoryConfig config = MemoryConfig.from(Map.of("MEMORY_ALARM_INTERVAL", "30s",
                "MEMORY_HANDOVER_INTERVAL", "15s"));
        MemorySampler sampler = () -> new ProcessMemory(base + rooms.list().stream()
                .mapToLong(r -> r.figures().totalBytes()).sum(), 10, 20, 30);
        admission = new Admission(BUDGET, 50, 0, () -> governor.lastSample().rssBytes());
        GovernorActions actions = new WorkerGovernorActions(alarm -> {
            alarms.add(alarm);
            log.add("alarm " + alarm.level() + " " + alarm.actions() + " " + alarm.rooms().stream()
                    .map(r -> name(r.mintId()) + ":" + r.queueBytes()).collect(Collectors.joining(",")));
        }, admission, rooms, 0.5);
        governor = new MemoryGovernor("worker-1", BUDGET, config, sampler, rooms, actions, clock, registry);
    }

    @Test
    void aStalledRoomIsContainedWithoutFlapping() {
        FakeRoom stalled = register("stuck", 600);
        List<Level> levels = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            stalled.stallFor(100);
            levels.add(tick());
        }
        // 500 600 | 700 WARN | 800 | 900 CRITICAL: queues halved to 300 | 700: below 0.80, back to WARN | 700 ...
        assertEquals(List.of(Level.OK, Level.OK, Level.WARN, Level.WARN, Level.CRITICAL, Level.WARN, Level.WARN,
                Level.WARN), levels);
        assertEquals(List.of(
                "alarm WARN [ALARM_ONLY] stuck:300",
                "stuck lowerLayer",
                "stuck shrinkQueues 0.5",
                "alarm CRITICAL [PAUSE_INTAKE, LOWER_VIDEO_LAYER, SHRINK_QUEUES] stuck:500",
                "alarm WARN [RESUME_INTAKE] stuck:300"), log);
        assertFalse(admission.paused(), "intake resumed below CRITICAL");
        assertEquals(300, stalled.bound, "queues stay shrunk until the level is OK");
        log.clear();

        // The encoder catches up and drains the queue: OK, the layer and the queue bounds come back.
        stalled.queueBytes = 0;
        assertEquals(Level.OK, tick());
        assertEquals(List.of("stuck restoreLayer", "stuck restoreQueues", "alarm OK [ALARM_ONLY] stuck:0"), log);
        assertEquals(600, stalled.bound);
        assertEquals(2.0, registry.get("recorder.memory.alarms").tag("level", "WARN").counter().count());
    }

    @Test
    void whileALevelHoldsAlarmsRepeatOnlyEveryInterval() {
        base = 750;
        for (int i = 0; i < 61; i++) {
            tick();
        }
        // WARN at t=0, then reminders at 30 s and 60 s: three alarms in 61 samples.
        assertEquals(3, alarms.size());
        assertEquals(List.of(Instant.EPOCH, Instant.EPOCH.plusSeconds(30), Instant.EPOCH.plusSeconds(60)),
                alarms.stream().map(MemoryAlarm::at).toList());
        base = 100;
        assertEquals(Level.OK, tick());
        assertEquals(Level.OK, alarms.getLast().level());
        for (int i = 0; i < 40; i++) {
            tick();
        }
        assertEquals(4, alarms.size(), "no reminders at OK");
    }

    @Test
    void theSpoolsLevelChangesGoOutOnTheAlarmsWithItsState() {
        AtomicReference<MemoryAlarm.Spool> spool = new AtomicReference<>(new MemoryAlarm.Spool(Level.OK, 0, 1000, 0, 0));
        rooms.watchSpool(spool::get);
        assertEquals(Level.OK, tick());
        assertTrue(alarms.isEmpty(), "nothing to say while memory and the spool are OK");

        spool.set(new MemoryAlarm.Spool(Level.WARN, 500, 1000, 3, 0));
        assertEquals(Level.OK, tick(), "the memory level is memory's alone");
        spool.set(new MemoryAlarm.Spool(Level.CRITICAL, 850, 1000, 5, 1));
        tick();
        tick();
        assertEquals(List.of(Level.WARN, Level.CRITICAL), alarms.stream().map(a -> a.spool().level()).toList(),
                "one alarm per change of the spool's level");
        assertEquals(Level.OK, alarms.getLast().level());
        assertEquals(List.of(MemoryAlarm.Action.ALARM_ONLY), alarms.getLast().actions());
        assertEquals(1, alarms.getLast().spool().lostSegments());
        assertFalse(admission.paused(), "the spool's gate is the pipeline's, not the governor's intake pause");

        for (int i = 0; i < 30; i++) {
            tick();
        }
        assertEquals(3, alarms.size(), "a reminder after the alarm interval while the spool is above OK");
        spool.set(new MemoryAlarm.Spool(Level.OK, 0, 1000, 0, 1));
        tick();
        assertEquals(Level.OK, alarms.getLast().spool().level(), "drained: OK goes out once");
        for (int i = 0; i < 40; i++) {
            tick();
        }
        assertEquals(4, alarms.size(), "no reminders once both are OK");
    }

    @Test
    void emergencyHandsOverTheHeaviestRoomThenRecovers() {
        FakeRoom light = register("tiny", 400);
        FakeRoom heavy = register("heavy", 400);
        light.queueBytes = 50;
        heavy.queueBytes = 300;
        base = 610; // 960: EMERGENCY at once
        assertEquals(Level.EMERGENCY, tick());
        assertTrue(governor.notReadyReason().isPresent());
        assertTrue(admission.paused());
        assertEquals(List.of(
                "tiny lowerLayer", "heavy lowerLayer",
                "tiny shrinkQueues 0.5", "heavy shrinkQueues 0.5",
                "heavy handOver",
                "alarm EMERGENCY [PAUSE_INTAKE, LOWER_VIDEO_LAYER, SHRINK_QUEUES, HANDOVER_ROOM] heavy:300,tiny:50"),
                log);
        log.clear();

        // The handover is under way (the room still counts): no second one, no alarm within the interval.
        base = 700; // 700 + 50 + 200 (heavy's queue, now halved)
        assertEquals(Level.EMERGENCY, tick());
        assertEquals(List.of(), log);

        // The handed-over session ends: its registration closes, RSS falls into CRITICAL's band.
        registrations.get("heavy").close();
        base = 800; // 800 + 50
        assertEquals(Level.CRITICAL, tick());
        assertTrue(governor.notReadyReason().isEmpty());
        assertEquals(List.of("alarm CRITICAL [ALARM_ONLY] tiny:50"), log);
        log.clear();

        base = 500; // 550: below 0.65, straight to OK: intake resumes, layers and queues are restored
        assertEquals(Level.OK, tick());
        assertFalse(admission.paused());
        assertEquals(List.of("tiny restoreLayer", "tiny restoreQueues", "alarm OK [RESUME_INTAKE] tiny:50"), log);
        assertEquals(400, light.bound);
    }

    @Test
    void emergencyHandsOverAnotherRoomOnlyAfterTheInterval() {
        FakeRoom a = register("a", 400);
        FakeRoom b = register("b", 400);
        a.queueBytes = 100;
        b.queueBytes = 200;
        base = 700;
        tick();
        log.clear();
        for (int i = 0; i < 14; i++) {
            tick();
        }
        assertFalse(log.contains("a handOver"), "within 15 s of the first handover");
        tick(); // t = 15 s
        assertTrue(log.contains("a handOver"), "the next heaviest room after the interval: " + log);
        assertEquals(2.0, registry.get("recorder.memory.handovers").counter().count());
    }

    @Test
    void gaugesShowTheLatestSample() {
        base = 720;
        tick();
        assertEquals(720, registry.get("recorder.memory.rss").gauge().value());
        assertEquals(10, registry.get("recorder.memory.heap").gauge().value());
        assertEquals(20, registry.get("recorder.memory.direct").gauge().value());
        assertEquals(30, registry.get("recorder.memory.native").gauge().value());
        assertEquals(BUDGET, registry.get("recorder.memory.budget").gauge().value());
        assertEquals(Level.WARN.ordinal(), registry.get("recorder.memory.level").gauge().value());
    }

    private Level tick() {
        Level level = governor.tick();
        clock.advance(Duration.ofSeconds(1));
        return level;
    }

    /** Mint ids are 32+ base58 characters: the short name padded with 1s. */
    private static MintId mint(String name) {
        return new MintId(name + "1".repeat(32 - name.length()));
    }

    private static String name(MintId mint) {
        return mint.value().replaceAll("1+$", "");
    }

    private FakeRoom register(String mint, long bound) {
        FakeRoom room = new FakeRoom(mint, bound);
        registrations.put(mint, rooms.register(room));
        return room;
    }

    /** A room whose encoder is stuck: its queue grows up to its bound, and the bound is what the governor shrinks. */
    private final class FakeRoom implements RoomMemory {
        private final MintId mint;
        private final UUID job = UUID.randomUUID();
        private final long configuredBound;
        long bound;
        long queueBytes;
        long dropped;

        FakeRoom(String mint, long bound) {
            this.mint = MemoryGovernorTest.mint(mint);
            this.configuredBound = bound;
            this.bound = bound;
        }

        void stallFor(long bytes) {
            long next = queueBytes + bytes;
            dropped += Math.max(0, next - bound);
            queueBytes = Math.min(next, bound);
        }

        @Override
        public MintId mintId() {
            return mint;
        }

        @Override
        public UUID jobId() {
            return job;
        }

        @Override
        public Figures figures() {
            return new Figures(queueBytes, dropped, 0);
        }

        @Override
        public void lowerLayer() {
            log.add(name(mint) + " lowerLayer");
        }

        @Override
        public void restoreLayer() {
            log.add(name(mint) + " restoreLayer");
        }

        @Override
        public void shrinkQueues(double factor) {
            log.add(name(mint) + " shrinkQueues " + factor);
            bound = (long) (configuredBound * factor);
            queueBytes = Math.min(queueBytes, bound);
        }

        @Override
        public void restoreQueues() {
            log.add(name(mint) + " restoreQueues");
            bound = configuredBound;
        }

        @Override
        public void handOver() {
            log.add(name(mint) + " handOver");
        }
    }

    private static final class StepClock extends Clock {
        private Instant now = Instant.EPOCH;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
