package dev.mintrecorder.bench;

import dev.mintrecorder.contracts.RecordingJobs;
import dev.mintrecorder.contracts.StartOptions;
import dev.mintrecorder.devstack.Devstack;
import dev.mintrecorder.devstack.DevstackOptions;
import dev.mintrecorder.devstack.Mints;
import dev.mintrecorder.devstack.Proc;
import dev.mintrecorder.devstack.kafka.ShareGroupWarmUp;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One fleet on a fresh devstack broker (Kafka's stock share-group settings): the victim first (when the plan has
 * one) with its jobs, then the fleet JVMs, then the rest of the jobs; a steady window; then the victim's SIGKILL.
 * Every wait has a deadline: a fleet that cannot take every job is measured as it is, and the result says so.
 */
final class FleetRun {
    static final Duration READY_DEADLINE = Duration.ofSeconds(FleetPlan.env("FLEET_READY_S", 90));
    static final Duration STALL = Duration.ofSeconds(FleetPlan.env("FLEET_STALL_S", 30));
    static final Duration FAILOVER_DEADLINE = Duration.ofSeconds(FleetPlan.env("FLEET_FAILOVER_S", 60));
    static final Duration SETTLE = Duration.ofSeconds(FleetPlan.env("FLEET_SETTLE_S", 10));
    private static final Duration PACE = Duration.ofMillis(250);

    private final FleetPlan plan;
    private final List<String> notes = new ArrayList<>();
    private final Map<UUID, Instant> sent = new ConcurrentHashMap<>();
    private final List<FleetJvm> fleet = new ArrayList<>();
    private FleetJvm victim;
    private String bootstrap;
    private FleetObserver observer;
    private RecordingJobs producer;

    private FleetRun(FleetPlan plan) {
        this.plan = plan;
    }

    static FleetResult run(FleetPlan plan) throws Exception {
        return new FleetRun(plan).run();
    }

    private FleetResult run() throws Exception {
        BenchMain.say("fleet %s: %d workers x %d rooms over %d JVMs, %d jobs%s", plan.name(), plan.workers(),
                plan.rooms(), plan.jvms(), plan.jobs(), plan.victimJobs() > 0 ? ", a victim of "
                        + plan.victimJobs() : "");
        brokerLogTo(BenchMain.LOGS.resolve("fleet").resolve(plan.name() + "-broker.log"));
        try (Devstack stack = Devstack.start(DevstackOptions.defaults().only(Devstack.Component.KAFKA));
             Admin admin = stack.kafka().admin()) {
            bootstrap = stack.kafkaBootstrap();
            ShareGroupWarmUp.run(bootstrap);
            long brokerPid = FleetKafka.brokerPid();
            try (FleetObserver obs = new FleetObserver(bootstrap);
                 RecordingJobs jobs = RecordingJobs.connect(bootstrap)) {
                observer = obs;
                producer = jobs;
                return measure(admin, brokerPid);
            } finally {
                for (FleetJvm j : all()) {
                    j.close();
                }
            }
        }
    }

    private FleetResult measure(Admin admin, long brokerPid) throws Exception {
        Set<UUID> victimJobs = Set.of();
        if (plan.victimJobs() > 0) {
            victim = FleetJvm.start(plan, plan.name() + "-victim", List.of(plan.victimId()), plan.victimJobs(),
                    bootstrap);
            awaitReady(List.of(victim));
            victimJobs = enqueue(plan.victimJobs());
            awaitStarted(victimJobs, "the victim's jobs");
        }
        for (int j = 0; j < plan.jvms(); j++) {
            fleet.add(FleetJvm.start(plan, plan.name() + "-jvm" + j, plan.workerIds(j), plan.rooms(), bootstrap));
        }
        Map<String, Integer> notReady = awaitReady(all());
        // Not a synchronisation: ready engines take jobs at once; this lets the fleet's start-up CPU burst pass so
        // that acquisition latency is that of a running fleet.
        Timing.pause(SETTLE);
        int engines = all().stream().mapToInt(j -> j.ids().size()).sum();
        int ready = engines - notReady.values().stream().mapToInt(Integer::intValue).sum();
        Set<UUID> jobs = new LinkedHashSet<>(victimJobs);
        jobs.addAll(enqueue(plan.jobs() - victimJobs.size()));
        awaitStarted(jobs, "all jobs");

        long t0 = System.currentTimeMillis();
        double broker0 = Proc.cpuSeconds(brokerPid);
        double fleet0 = cpu(all());
        Map<FleetJvm, FleetSnapshot> start = snapshots(t0);
        Timing.pause(plan.steady());
        long t1 = System.currentTimeMillis();
        double windowS = (t1 - t0) / 1000.0;
        double brokerCores = (Proc.cpuSeconds(brokerPid) - broker0) / windowS;
        double fleetCores = (cpu(all()) - fleet0) / windowS;
        Map<FleetJvm, FleetSnapshot> end = snapshots(t1);
        List<String> members = FleetKafka.shareMembers(admin);
        long lag = FleetKafka.jobsLag(admin);
        List<String> groups = FleetKafka.groups(admin);
        FleetWindow window = FleetWindow.of(all().stream().filter(end::containsKey)
                .map(j -> new FleetWindow.Jvm(j.ids(), start.get(j), end.get(j))).toList());
        int active = end.values().stream().flatMap(s -> s.engines().stream())
                .mapToInt(FleetSnapshot.Engine::active).sum();
        Map<String, Integer> notReadyAtWindow = new TreeMap<>();
        end.values().stream().flatMap(s -> s.engines().stream()).filter(e -> !e.ready())
                .forEach(e -> notReadyAtWindow.merge(e.reason().replaceAll("\\d+", "N"), 1, Integer::sum));
        BenchMain.say("fleet %s: steady %.0f s: %d running, %d share-group members, broker %.2f cores, fleet %.2f "
                + "cores", plan.name(), windowS, active, members.size(), brokerCores, fleetCores);
        FleetResult.Failover failover = victim == null ? null : failover(victimJobs);
        return new FleetResult(plan, engines, ready, notReady, notReadyAtWindow, jobs.size(), observer.startedOf(jobs),
                startedAsResumed(jobs), acquisition(jobs), active, members.size(), membersPerWorkerMax(members), lag, groups, window,
                windowS, brokerCores, fleetCores, failover, observer.counts(), List.copyOf(notes));
    }

    /** The broker child's output (thousands of lines under this load) goes to a file of its own, not the console. */
    private static void brokerLogTo(java.nio.file.Path file) throws java.io.IOException {
        java.nio.file.Files.createDirectories(file.getParent());
        var context = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        var encoder = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %msg%n");
        encoder.start();
        var appender = new ch.qos.logback.core.FileAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.setContext(context);
        appender.setFile(file.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger logger = context.getLogger("dev.mintrecorder.devstack.kafka.broker");
        logger.detachAndStopAllAppenders();
        logger.addAppender(appender);
        logger.setAdditive(false);
    }

    private List<FleetJvm> all() {
        List<FleetJvm> all = new ArrayList<>(fleet);
        if (victim != null) {
            all.add(0, victim);
        }
        return all;
    }

    /**
     * Waits until every engine is ready or has said why it never will be (anything but still loading its views), at
     * most {@link #READY_DEADLINE}; returns the not-ready reasons (digits as {@code N}) with their counts.
     */
    private Map<String, Integer> awaitReady(List<FleetJvm> jvms) {
        long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
        Map<String, Integer> reasons = new TreeMap<>();
        while (true) {
            reasons.clear();
            boolean settled = true;
            for (FleetJvm j : jvms) {
                if (!j.child().alive()) {
                    throw new IllegalStateException(j.child().name() + " exited; see " + j.child().log());
                }
                var s = j.snapshot();
                int made = s.map(x -> x.engines().size()).orElse(0);
                if (made < j.ids().size()) {
                    settled = false;
                    reasons.merge("engine not constructed yet", j.ids().size() - made, Integer::sum);
                }
                if (s.isEmpty()) {
                    continue;
                }
                for (FleetSnapshot.Engine e : s.get().engines()) {
                    if (!e.ready()) {
                        settled &= !e.reason().startsWith("loading");
                        reasons.merge(e.reason().replaceAll("\\d+", "N"), 1, Integer::sum);
                    }
                }
            }
            if (settled) {
                return reasons;
            }
            if (System.nanoTime() > deadline) {
                notes.add("Not every engine was ready within " + READY_DEADLINE.toSeconds() + " s: " + reasons);
                BenchMain.say("fleet %s: engines not ready after %d s: %s", plan.name(), READY_DEADLINE.toSeconds(),
                        reasons);
                return reasons;
            }
            Timing.pause(PACE);
        }
    }

    /** Produces {@code n} START jobs (fresh mints) at the plan's rate; each one's send time is kept. */
    private Set<UUID> enqueue(int n) {
        Set<UUID> ids = new LinkedHashSet<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Timing.pause(Duration.ofNanos(t0 + (long) (i * 1e9 / plan.ratePerS()) - System.nanoTime()));
            Instant at = Instant.now();
            UUID id = producer.start(Mints.random(), StartOptions.DEFAULTS);
            sent.put(id, at);
            ids.add(id);
        }
        BenchMain.say("fleet %s: enqueued %d jobs in %.1f s", plan.name(), n, (System.nanoTime() - t0) / 1e9);
        return ids;
    }

    /** Waits until every job of {@code jobs} has started, or no job started for {@link #STALL}. */
    private void awaitStarted(Set<UUID> jobs, String what) {
        long started = observer.startedOf(jobs);
        long lastProgress = System.nanoTime();
        while (started < jobs.size() && System.nanoTime() - lastProgress < STALL.toNanos()) {
            Timing.pause(PACE);
            long now = observer.startedOf(jobs);
            if (now > started) {
                started = now;
                lastProgress = System.nanoTime();
            }
        }
        BenchMain.say("fleet %s: %s: %d of %d started", plan.name(), what, started, jobs.size());
        if (started < jobs.size()) {
            notes.add(what + ": " + (jobs.size() - started) + " of " + jobs.size() + " never started (no job started "
                    + "for " + STALL.toSeconds() + " s)");
        }
    }

    private Map<FleetJvm, FleetSnapshot> snapshots(long afterMillis) {
        Map<FleetJvm, FleetSnapshot> out = new LinkedHashMap<>();
        for (FleetJvm j : all()) {
            if (j.child().alive()) {
                out.put(j, j.snapshotAfter(afterMillis, Duration.ofSeconds(30)));
            }
        }
        return out;
    }

    private static double cpu(List<FleetJvm> jvms) {
        return jvms.stream().mapToDouble(j -> Math.max(0, j.child().cpuSeconds())).sum();
    }

    /** Per started job: requested_at → its first start event's {@code at}, seconds. */
    private List<Double> acquisition(Set<UUID> jobs) {
        List<Double> out = new ArrayList<>();
        for (UUID id : jobs) {
            observer.started(id).filter(s -> sent.containsKey(id))
                    .ifPresent(s -> out.add(Duration.between(sent.get(id), s.at()).toNanos() / 1e9));
        }
        return out;
    }

    private long startedAsResumed(Set<UUID> jobs) {
        return jobs.stream().filter(id -> observer.started(id).filter(FleetObserver.Start::resumed).isPresent())
                .count();
    }

    private int membersPerWorkerMax(List<String> members) {
        Map<String, Integer> per = new TreeMap<>();
        for (FleetJvm j : all()) {
            for (String id : j.ids()) {
                per.put(id, (int) members.stream().filter(m -> m.startsWith(id + "-")).count());
            }
        }
        return per.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** SIGKILLs the victim and times each of its jobs to its RESUMED event elsewhere. */
    private FleetResult.Failover failover(Set<UUID> victimJobs) throws InterruptedException {
        int held = (int) victimJobs.stream().map(observer::started)
                .filter(s -> s.filter(x -> x.workerId().equals(plan.victimId())).isPresent()).count();
        if (held != victimJobs.size()) {
            notes.add("The victim held " + held + " of its " + victimJobs.size() + " jobs when killed.");
        }
        Instant killed = Instant.now();
        victim.child().kill();
        BenchMain.say("fleet %s: SIGKILLed the victim (%d recordings)", plan.name(), held);
        long deadline = System.nanoTime() + FAILOVER_DEADLINE.toNanos();
        while (victimJobs.stream().anyMatch(id -> observer.resumedAfter(id, killed).isEmpty())
                && System.nanoTime() < deadline) {
            Timing.pause(PACE);
        }
        List<Double> times = new ArrayList<>();
        for (UUID id : victimJobs) {
            observer.resumedAfter(id, killed)
                    .ifPresent(r -> times.add(Duration.between(killed, r.at()).toNanos() / 1e9));
        }
        BenchMain.say("fleet %s: %d of %d victim jobs RESUMED elsewhere", plan.name(), times.size(), held);
        if (times.size() < victimJobs.size()) {
            notes.add((victimJobs.size() - times.size()) + " of the victim's jobs were not RESUMED within "
                    + FAILOVER_DEADLINE.toSeconds() + " s of the kill.");
        }
        return new FleetResult.Failover(plan.victimId(), held, times, FAILOVER_DEADLINE.toSeconds());
    }
}
