package dev.mintrecorder.worker.memory;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.MemoryAlarm.Action;
import dev.mintrecorder.contracts.MemoryAlarm.Level;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Samples the worker's memory once a {@code sampleInterval} and acts on the level RSS reaches in the budget
 * ({@link MemoryLevels}, with hysteresis):
 * <ul>
 *   <li>WARN: an alarm;</li>
 *   <li>CRITICAL: an alarm, intake paused, every room asked for a lower layer, the queues shrunk. Intake resumes
 *       (RESUME_INTAKE) once the level falls below CRITICAL; layers and queue bounds are restored once it is back to
 *       OK, so a room that keeps its queue full cannot make its bounds flap;</li>
 *   <li>EMERGENCY: the room holding the most memory handed over, at most once a {@code handoverInterval}; the worker
 *       also reports not ready.</li>
 * </ul>
 * Alarms go out on each level change and on each action, otherwise at most once an {@code alarmInterval} while above
 * OK. The worker's local segment spool ({@link RoomMemoryRegistry#spool()}) rides on the same alarms: each carries its
 * state, and a change of the spool's level (OK, WARN, CRITICAL) sends one too, as does a reminder while it is above OK.
 * The spool's own admission gate is the pipeline's (its session factory refuses), not the governor's. The decision
 * is {@link #tick()}, one sample, called by the governor's own thread (or a test). One per worker.
 */
public final class MemoryGovernor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MemoryGovernor.class);

    private final String workerId;
    private final long budgetBytes;
    private final MemoryLevels levels;
    private final Duration sampleInterval;
    private final Duration alarmInterval;
    private final Duration handoverInterval;
    private final MemorySampler sampler;
    private final RoomMemoryRegistry rooms;
    private final GovernorActions actions;
    private final Clock clock;
    private final Counter handovers;
    private final MeterRegistry registry;
    private final Set<UUID> handedOver = new HashSet<>();
    private ScheduledExecutorService timer;

    private volatile Level level = Level.OK;
    private volatile ProcessMemory last = new ProcessMemory(0, 0, 0, 0);
    private volatile Instant lastTick;
    private volatile Instant started;
    private Instant lastAlarm;
    private Instant lastHandover;
    private boolean pressureApplied;
    private Level spoolLevel = Level.OK;

    public MemoryGovernor(String workerId, long budgetBytes, MemoryConfig config, MemorySampler sampler,
                          RoomMemoryRegistry rooms, GovernorActions actions, Clock clock, MeterRegistry registry) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + budgetBytes);
        }
        this.workerId = workerId;
        this.budgetBytes = budgetBytes;
        this.levels = new MemoryLevels(config.thresholds());
        this.sampleInterval = config.sampleInterval();
        this.alarmInterval = config.alarmInterval();
        this.handoverInterval = config.handoverInterval();
        this.sampler = sampler;
        this.rooms = rooms;
        this.actions = actions;
        this.clock = clock;
        // Supplier gauges, held strongly (a state-object gauge would be weakly held and read NaN).
        Metric.MEMORY_RSS.gauge(registry, () -> last.rssBytes());
        Metric.MEMORY_HEAP.gauge(registry, () -> last.heapBytes());
        Metric.MEMORY_DIRECT.gauge(registry, () -> last.directBytes());
        Metric.MEMORY_NATIVE.gauge(registry, () -> last.javacppBytes());
        Metric.MEMORY_BUDGET.gauge(registry, () -> budgetBytes);
        Metric.MEMORY_LEVEL.gauge(registry, () -> level.ordinal());
        this.registry = registry;
        this.handovers = Metric.MEMORY_HANDOVERS.counter(registry);
    }

    /** Starts sampling on its own platform thread (a daemon: it never keeps the JVM up). */
    public synchronized void start() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(workerId + "-memory-governor").daemon().factory());
        started = clock.instant();
        long every = sampleInterval.toMillis();
        timer.scheduleAtFixedRate(this::safeTick, 0, every, TimeUnit.MILLISECONDS);
    }

    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException e) {
            // A failed sample must not end the schedule: the next one may work.
            log.warn("memory governor tick failed: {}", e.toString());
        }
    }

    /** One sample and what it calls for; returns the level after it. Called by the governor's thread (or a test). */
    public synchronized Level tick() {
        Instant now = clock.instant();
        ProcessMemory m = sampler.sample();
        last = m;
        lastTick = now;
        List<RoomMemory> watched = rooms.list();
        handedOver.retainAll(watched.stream().map(RoomMemory::jobId).collect(Collectors.toSet()));

        // Room figures are taken with the process sample, before any lever moves them.
        List<Sampled> sampled = watched.stream().map(r -> new Sampled(r, r.figures())).toList();
        Level previous = level;
        Level next = levels.next(previous, (double) m.rssBytes() / budgetBytes);
        List<Action> done = new ArrayList<>();
        boolean wasCritical = previous.compareTo(Level.CRITICAL) >= 0;
        boolean isCritical = next.compareTo(Level.CRITICAL) >= 0;
        if (isCritical && !wasCritical) {
            actions.pauseIntake();
            actions.lowerLayers();
            actions.shrinkQueues();
            pressureApplied = true;
            done.addAll(List.of(Action.PAUSE_INTAKE, Action.LOWER_VIDEO_LAYER, Action.SHRINK_QUEUES));
        } else if (wasCritical && !isCritical) {
            actions.resumeIntake();
            done.add(Action.RESUME_INTAKE);
        }
        // Quality comes back only once the pressure is gone (OK), so a stalled room does not flap its bounds.
        if (next == Level.OK && pressureApplied) {
            actions.restoreLayers();
            actions.restoreQueues();
            pressureApplied = false;
        }
        if (next == Level.EMERGENCY && handoverDue(now)) {
            Optional<Sampled> heaviest = sampled.stream().filter(s -> !handedOver.contains(s.room.jobId()))
                    .max(Comparator.comparingLong(s -> s.figures.totalBytes()));
            if (heaviest.isPresent()) {
                RoomMemory room = heaviest.get().room;
                log.warn("memory EMERGENCY: handing over job {} (mint {}), holding {} bytes", room.jobId(),
                        room.mintId().value(), heaviest.get().figures.totalBytes());
                actions.handOver(room);
                handedOver.add(room.jobId());
                lastHandover = now;
                handovers.increment();
                done.add(Action.HANDOVER_ROOM);
            }
        }
        level = next;
        if (next.compareTo(previous) > 0) {
            log.warn("memory level {} -> {}: rss {} of budget {} ({})", previous, next, m.rssBytes(), budgetBytes,
                    done.isEmpty() ? "alarm only" : done);
        } else if (next != previous) {
            log.info("memory level {} -> {}: rss {} of budget {} ({})", previous, next, m.rssBytes(), budgetBytes,
                    done.isEmpty() ? "alarm only" : done);
        }
        Optional<MemoryAlarm.Spool> spool = rooms.spool();
        Level spoolNow = spool.map(MemoryAlarm.Spool::level).orElse(Level.OK);
        boolean spoolChanged = spoolNow != spoolLevel;
        spoolLevel = spoolNow;
        boolean above = next != Level.OK || spoolNow != Level.OK;
        boolean reminder = above && (lastAlarm == null || !now.isBefore(lastAlarm.plus(alarmInterval)));
        if (next != previous || spoolChanged || !done.isEmpty() || reminder) {
            if (done.isEmpty()) {
                done.add(Action.ALARM_ONLY);
            }
            actions.publish(alarm(next, m, sampled, done, now, spool.orElse(null)));
            Metric.MEMORY_ALARMS.counter(registry, Tags.of("level", next.name())).increment();
            lastAlarm = now;
        }
        return next;
    }

    private boolean handoverDue(Instant now) {
        return lastHandover == null || !now.isBefore(lastHandover.plus(handoverInterval));
    }

    private MemoryAlarm alarm(Level at, ProcessMemory m, List<Sampled> sampled, List<Action> done, Instant now,
                              MemoryAlarm.Spool spool) {
        List<MemoryAlarm.Room> heavyFirst = sampled.stream()
                .sorted(Comparator.comparingLong((Sampled s) -> s.figures.totalBytes()).reversed())
                .map(s -> new MemoryAlarm.Room(s.room.mintId(), s.room.jobId(), s.figures.totalBytes(),
                        s.figures.dropped()))
                .toList();
        return new MemoryAlarm(workerId, at, m.rssBytes(), m.heapBytes(),
                new MemoryAlarm.NativeMemory(m.javacppBytes(), m.directBytes()), budgetBytes, heavyFirst, done, now,
                spool);
    }

    public Level level() {
        return level;
    }

    /** The latest sample (zeros before the first). */
    public ProcessMemory lastSample() {
        return last;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Not ready at EMERGENCY: the fleet should send this worker no work until memory is back down. */
    public Optional<String> notReadyReason() {
        Level l = level;
        return l == Level.EMERGENCY
                ? Optional.of("memory EMERGENCY: rss " + last.rssBytes() + " of budget " + budgetBytes)
                : Optional.empty();
    }

    /** Why the governor is not live: started, but its thread has not sampled for ten intervals plus 5 s. */
    public Optional<String> notLiveReason() {
        Instant since = started;
        if (since == null) {
            return Optional.empty();
        }
        Instant t = lastTick;
        if (t != null && t.isAfter(since)) {
            since = t;
        }
        Duration allowed = sampleInterval.multipliedBy(10).plusSeconds(5);
        return since.plus(allowed).isBefore(clock.instant())
                ? Optional.of("memory governor has not sampled since " + since)
                : Optional.empty();
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private record Sampled(RoomMemory room, RoomMemory.Figures figures) {}
}
