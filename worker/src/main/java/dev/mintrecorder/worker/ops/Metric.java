package dev.mintrecorder.worker.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import static io.micrometer.core.instrument.Meter.Type.COUNTER;
import static io.micrometer.core.instrument.Meter.Type.GAUGE;
import static io.micrometer.core.instrument.Meter.Type.TIMER;

/**
 * Every meter the worker registers, declared once: its name, type, unit, tags and meaning.
 *
 * <p>Like {@link Setting} for the configuration: {@code docs/metrics.md} is generated from these declarations
 * ({@link MetricsDoc}), and the code registers meters only through them ({@link #counter}, {@link #gauge},
 * {@link #functionCounter}, {@link #timer}), which check the type and the tag keys. A test fails on any other
 * {@code Counter.builder} and the like in the worker's sources.
 *
 * <p>Names are Micrometer's dotted form, all under {@code recorder.}. The Prometheus registry renders them in
 * Prometheus's form ({@link #prometheusName()}): underscores, the base unit appended ({@code _bytes},
 * {@code _seconds}) and {@code _total} on counters. So a name holds no unit and no {@code _total} of its own, except
 * where the unit is the whole point of the name ({@code recorder.queue.bytes}), which the convention does not repeat.
 */
public enum Metric {
    // jobs: dispatch, leases and guardians (jobs.JobMetrics). Rooms active, max and the backlog drive the autoscaling.
    ROOMS_ACTIVE(GAUGE, "recorder.rooms.active", null, List.of(), "Recordings running on this worker."),
    ROOMS_MAX(GAUGE, "recorder.rooms.max", null, List.of(),
            "Recordings this worker may run at once: JOBS_MAX_ROOMS while its dispatcher can take jobs, otherwise the "
                    + "recordings it runs (no free capacity advertised)."),
    JOBS_BACKLOG(GAUGE, "recorder.jobs.backlog", null, List.of(),
            "Jobs not yet acknowledged in the share group, in flight included: one group-wide figure that every "
                    + "worker reports (take max, never sum); NaN until first read."),
    JOBS_ACQUIRED(COUNTER, "recorder.jobs.acquired", null, List.of(), "Job records acquired from the share group."),
    JOBS_REJECTED(COUNTER, "recorder.jobs.rejected", null, List.of(), "Invalid jobs rejected and dead-lettered."),
    JOBS_DUPLICATE(COUNTER, "recorder.jobs.duplicate", null, List.of(),
            "Jobs dropped because their mint was already recording."),
    JOBS_RESUMED(COUNTER, "recorder.jobs.resumed", null, List.of(), "Jobs resumed after a crash or a handover."),
    JOBS_STOPPED_BEFORE_START(COUNTER, "recorder.jobs.stopped.before.start", null, List.of(),
            "Jobs whose STOP was already on the control table when acquired."),
    JOBS_INTAKE_ERRORS(COUNTER, "recorder.jobs.intake.errors", null, List.of(),
            "Errors while handling an acquired record; it was still dead-lettered, released or acknowledged."),
    JOBS_DEAD_LETTER_FAILURES(COUNTER, "recorder.jobs.dead.letter.failures", null, List.of(),
            "Invalid records released instead of rejected because their dead letter could not be written."),
    JOBS_DISPATCH_UP(GAUGE, "recorder.jobs.dispatch.up", null, List.of(),
            "1 while the worker's share consumer can take jobs; 0 while it is down and retrying (the worker is then "
                    + "unready and offers no free capacity)."),
    JOBS_DISPATCH_ERRORS(COUNTER, "recorder.jobs.dispatch.errors", null, List.of(),
            "Errors of the share consumer; a fatal one (group full, access denied) remakes it after a backoff."),
    JOBS_GUARDIAN_UP(GAUGE, "recorder.jobs.guardian.up", null, List.of(),
            "1 while the worker's guardian (failover of silent recordings) works; 0 after "
                    + "3 failed rounds in a row or if its thread ended (the worker is then unready)."),
    JOBS_GUARDED_PARTITIONS(GAUGE, "recorder.jobs.guarded.partitions", null, List.of(),
            "Status partitions whose recordings this worker guards (fails over when their worker goes silent)."),
    JOBS_FAILOVERS(COUNTER, "recorder.jobs.failovers", null, List.of(),
            "Silent recordings this worker's guardian failed over (REQUEUED as the next attempt)."),
    JOBS_GIVEN_UP(COUNTER, "recorder.jobs.given.up", null, List.of(),
            "Jobs the guardian ended FAILED after JOBS_MAX_ATTEMPTS attempts."),
    JOBS_FENCED(COUNTER, "recorder.jobs.fenced", null, List.of(),
            "Recordings this worker stopped without a final event because another attempt took their job over."),
    JOBS_GUARDIAN_ERRORS(COUNTER, "recorder.jobs.guardian.errors", null, List.of(),
            "Unexpected errors in the guardian's loop."),

    // memory: the governor's samples and actions (memory.MemoryGovernor, memory.WorkerMemory).
    MEMORY_RSS(GAUGE, "recorder.memory.rss", "bytes", List.of(), "Resident set size (VmRSS) at the last sample."),
    MEMORY_HEAP(GAUGE, "recorder.memory.heap", "bytes", List.of(), "JVM heap in use at the last sample."),
    MEMORY_DIRECT(GAUGE, "recorder.memory.direct", "bytes", List.of(), "JVM direct buffers at the last sample."),
    MEMORY_NATIVE(GAUGE, "recorder.memory.native", "bytes", List.of(),
            "Native memory JavaCPP tracks (FFmpeg) at the last sample."),
    MEMORY_BUDGET(GAUGE, "recorder.memory.budget", "bytes", List.of(),
            "The budget the memory levels are computed against."),
    MEMORY_LEVEL(GAUGE, "recorder.memory.level", null, List.of(),
            "Memory governor level: 0 OK, 1 WARN, 2 CRITICAL, 3 EMERGENCY."),
    MEMORY_HANDOVERS(COUNTER, "recorder.memory.handovers", null, List.of(), "Rooms handed over at EMERGENCY."),
    MEMORY_ALARMS(COUNTER, "recorder.memory.alarms", null, List.of("level"),
            "Memory alarms published, by the level they report."),
    MEMORY_RESERVED(GAUGE, "recorder.memory.reserved", "bytes", List.of(),
            "Memory reserved by admission for rooms taken but not yet running."),
    INTAKE_PAUSED(GAUGE, "recorder.intake.paused", null, List.of(),
            "1 while the memory governor has paused job intake (CRITICAL and above), else 0."),

    // storage: the S3 multipart sink (storage.S3Retry, storage.MultipartSegmentSink, storage.UploadJanitor).
    UPLOAD_RETRIES(COUNTER, "recorder.upload.retries", null, List.of(), "S3 calls retried after a transient failure."),
    UPLOAD_LATENCY(TIMER, "recorder.upload.latency", "seconds", List.of(),
            "From a segment's close to its completed multipart upload."),
    UPLOAD_ABORTS_PENDING(GAUGE, "recorder.upload.aborts.pending", null, List.of(),
            "Multipart uploads of ended recordings whose abort failed (S3 down) and is being retried "
                    + "(storage.UploadJanitor); above 0 for long means S3 is still refusing."),
    UPLOAD_ABORTS_DEFERRED(COUNTER, "recorder.upload.aborts.deferred", null, List.of(),
            "Multipart uploads handed to the worker's janitor because they could not be completed or aborted when "
                    + "their recording ended."),
    UPLOAD_ABORTS_FAILED(COUNTER, "recorder.upload.aborts.failed", null, List.of(),
            "The janitor's abort attempts that failed and will be retried."),
    SPOOL_BYTES(GAUGE, "recorder.spool.bytes", "bytes", List.of(),
            "Segment bytes in the local spool, waiting for S3 (storage.SegmentSpool)."),
    SPOOL_MAX_BYTES(GAUGE, "recorder.spool.max.bytes", "bytes", List.of(),
            "The spool's bound for the whole worker (S3_SPOOL_MAX_BYTES); 0 when the spool is off."),
    SPOOL_LEVEL(GAUGE, "recorder.spool.level", null, List.of(),
            "How full the spool is, as a level of S3_SPOOL_MAX_BYTES: 0 OK, 1 WARN (from 50%), 2 CRITICAL (from 80%)."),
    SPOOL_SEGMENTS(GAUGE, "recorder.spool.segments", null, List.of(), "Segments in the local spool."),
    SPOOL_SPOOLED(COUNTER, "recorder.spool.spooled", null, List.of(),
            "Segments that went to the spool because S3 could not take them in time."),
    SPOOL_LOST(COUNTER, "recorder.spool.lost", null, List.of(),
            "Segments lost: the spool was full (or off) when S3 could not take them, or they were still spooled when "
                    + "their recording ended."),
    FALLBACK_ACTIVE(GAUGE, "recorder.storage.fallback.active", null, List.of(),
            "1 while spooled segments go to the fallback store because the primary keeps failing "
                    + "(storage.FallbackStore), else 0."),
    FALLBACK_SEGMENTS(COUNTER, "recorder.storage.fallback.segments", null, List.of(),
            "Segments stored in the fallback store; the manifest names the store of each."),
    FALLBACK_HELD(GAUGE, "recorder.storage.fallback.held", null, List.of(),
            "Segments of this worker's recordings in the fallback store, waiting to be copied back to the primary "
                    + "(storage.FallbackCopies); each is copied back once the primary answers."),
    FALLBACK_COPIED_BACK(COUNTER, "recorder.storage.fallback.copied.back", null, List.of(),
            "Segments copied back from the fallback store to the primary, CRC32C verified; the fallback's copy is "
                    + "deleted next."),
    FALLBACK_COPY_BACK_FAILURES(COUNTER, "recorder.storage.fallback.copy.back.failures", null, List.of(),
            "Copy-back steps (read from the fallback, write to the primary, delete from the fallback) that failed; "
                    + "transient ones are retried with backoff, a checksum mismatch leaves the segment in the fallback."),
    INDEX_IN_FALLBACK(COUNTER, "recorder.index.in.fallback", null, List.of(),
            "Recordings whose final manifest.json went to the fallback store because the primary still failed when "
                    + "they ended (an operator copies it back with FallbackRecovery: infra/README.md)."),
    INDEX_PUBLISH_FAILURES(COUNTER, "recorder.index.publish.failures", null, List.of(),
            "Writes of a recording's manifest.json and index.m3u8 that failed after retries; three in a row fail the "
                    + "recording."),

    // room: each room's bounded frame queues (room.QueueMeters), one per track.
    QUEUE_BYTES(GAUGE, "recorder.queue.bytes", "bytes", List.of("room", "track"), "Bytes held in the frame queue."),
    QUEUE_FRAMES(GAUGE, "recorder.queue.frames", null, List.of("room", "track"), "Frames held in the frame queue."),
    QUEUE_HIGH_WATER(GAUGE, "recorder.queue.high.water", "bytes", List.of("room", "track"),
            "Most bytes the frame queue ever held."),
    QUEUE_ENQUEUED(COUNTER, "recorder.queue.enqueued", null, List.of("room", "track"),
            "Frames handed to the frame queue."),
    QUEUE_DROPPED(COUNTER, "recorder.queue.dropped", null, List.of("room", "track"),
            "Frames dropped (oldest first) because the frame queue was full."),

    // room: each room's connection (room.RoomSession, as room.ReconnectPolicy decides).
    ROOM_RECONNECTS(COUNTER, "recorder.room.reconnects", null, List.of("room", "how"),
            "Attempts to get a lost room connection back: how=resume (same participant session) or rejoin (a new one)."),

    // room: each track's frame gaps (room.StallDetector).
    TRACK_STALLS(COUNTER, "recorder.track.stalls", null, List.of("room", "track"),
            "Gaps between a track's frames longer than the stall threshold (ROOM_STALL_THRESHOLD)."),
    TRACK_GAP(GAUGE, "recorder.track.gap", "seconds", List.of("room", "track"), "Time since the track's last frame."),

    // room: the subscriber's WebRTC inbound-rtp stats (room.ReceiverStats). Gauges, not counters: a rejoin starts a
    // new peer connection, whose stats start from zero.
    WEBRTC_FRAMES_DECODED(GAUGE, "recorder.webrtc.frames.decoded", null, List.of("room", "kind"),
            "inbound-rtp framesDecoded of the current peer connection (video only)."),
    WEBRTC_FRAMES_DROPPED(GAUGE, "recorder.webrtc.frames.dropped", null, List.of("room", "kind"),
            "inbound-rtp framesDropped of the current peer connection (video only)."),
    WEBRTC_FREEZES(GAUGE, "recorder.webrtc.freezes", null, List.of("room", "kind"),
            "inbound-rtp freezeCount of the current peer connection (video only)."),
    WEBRTC_PACKETS_LOST(GAUGE, "recorder.webrtc.packets.lost", null, List.of("room", "kind"),
            "inbound-rtp packetsLost of the current peer connection (video and audio)."),
    WEBRTC_JITTER_BUFFER_DELAY(GAUGE, "recorder.webrtc.jitter.buffer.delay", "seconds", List.of("room", "kind"),
            "Mean jitter-buffer delay per emitted frame or sample (jitterBufferDelay / jitterBufferEmittedCount).");

    private static final PrometheusNamingConvention PROMETHEUS = new PrometheusNamingConvention();

    private final Meter.Type type;
    private final String meterName;
    private final String unit;
    private final List<String> tagKeys;
    private final String description;

    Metric(Meter.Type type, String meterName, String unit, List<String> tagKeys, String description) {
        this.type = type;
        this.meterName = meterName;
        this.unit = unit;
        this.tagKeys = tagKeys;
        this.description = description;
    }

    /** The Micrometer name, dotted: what {@code registry.find(...)} takes. */
    public String meterName() {
        return meterName;
    }

    /** {@code COUNTER}, {@code GAUGE} or {@code TIMER} (exported as a Prometheus histogram). */
    public Meter.Type type() {
        return type;
    }

    /** The base unit ({@code bytes}, {@code seconds}), or {@code null} for a plain count or level. */
    public String unit() {
        return unit;
    }

    /** The tag keys every meter of this name carries, exactly. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    public String description() {
        return description;
    }

    /** The metric family on {@code /metrics}, as the Prometheus registry renders this meter. */
    public String prometheusName() {
        String name = PROMETHEUS.name(meterName, type, unit);
        return type == COUNTER ? name + "_total" : name;
    }

    public Counter counter(MeterRegistry registry) {
        return counter(registry, Tags.empty());
    }

    public Counter counter(MeterRegistry registry, Tags tags) {
        expect(COUNTER);
        return Counter.builder(meterName).tags(checked(tags)).baseUnit(unit).description(description)
                .register(registry);
    }

    /** A counter that reads a monotonic count from {@code obj}, held weakly (as Micrometer does). */
    public <T> FunctionCounter functionCounter(MeterRegistry registry, Tags tags, T obj, ToDoubleFunction<T> count) {
        expect(COUNTER);
        return FunctionCounter.builder(meterName, obj, count).tags(checked(tags)).baseUnit(unit)
                .description(description).register(registry);
    }

    /** A gauge over a supplier, which the registry holds strongly. */
    public Gauge gauge(MeterRegistry registry, Supplier<Number> value) {
        return gauge(registry, Tags.empty(), value);
    }

    /** A gauge over a supplier, which the registry holds strongly. */
    public Gauge gauge(MeterRegistry registry, Tags tags, Supplier<Number> value) {
        expect(GAUGE);
        return Gauge.builder(meterName, value).tags(checked(tags)).baseUnit(unit).description(description)
                .register(registry);
    }

    /** A gauge that reads {@code obj}, held weakly (as Micrometer does): the owner removes it when it closes. */
    public <T> Gauge gauge(MeterRegistry registry, Tags tags, T obj, ToDoubleFunction<T> value) {
        expect(GAUGE);
        return Gauge.builder(meterName, obj, value).tags(checked(tags)).baseUnit(unit).description(description)
                .register(registry);
    }

    /** A timer published as a Prometheus histogram (percentile buckets), in seconds. */
    public Timer timer(MeterRegistry registry) {
        expect(TIMER);
        return Timer.builder(meterName).description(description).publishPercentileHistogram().register(registry);
    }

    private void expect(Meter.Type wanted) {
        if (type != wanted) {
            throw new IllegalStateException(this + " (" + meterName + ") is declared a " + type + ", not a " + wanted);
        }
    }

    private Tags checked(Tags tags) {
        Set<String> keys = tags.stream().map(Tag::getKey).collect(Collectors.toSet());
        if (!keys.equals(Set.copyOf(tagKeys))) {
            throw new IllegalArgumentException(meterName + " takes the tags " + tagKeys + ", got " + keys);
        }
        return Objects.requireNonNull(tags);
    }
}
