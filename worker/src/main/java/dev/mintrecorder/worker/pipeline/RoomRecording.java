package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.worker.events.JobEvents;
import dev.mintrecorder.worker.jobs.RecordingSession;
import dev.mintrecorder.worker.jobs.SessionContext;
import dev.mintrecorder.worker.jobs.SessionEnd;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.EncodeSettings;
import dev.mintrecorder.worker.media.EncoderStats;
import dev.mintrecorder.worker.media.FfmpegException;
import dev.mintrecorder.worker.media.FrameQueues;
import dev.mintrecorder.worker.media.MediaListener;
import dev.mintrecorder.worker.media.RoomEncoder;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.memory.RoomMemoryRegistry;
import dev.mintrecorder.worker.memory.AssembledRoomMemory;
import dev.mintrecorder.worker.ops.LogContext;
import dev.mintrecorder.worker.room.RoomEnd;
import dev.mintrecorder.worker.room.RoomEvent;
import dev.mintrecorder.worker.room.RoomException;
import dev.mintrecorder.worker.room.RoomRequest;
import dev.mintrecorder.worker.room.RoomSession;
import dev.mintrecorder.worker.room.LayerCap;
import dev.mintrecorder.worker.storage.Manifest;
import dev.mintrecorder.worker.storage.MultipartSegmentSink;
import dev.mintrecorder.worker.storage.RecordingIndex;
import dev.mintrecorder.worker.storage.S3Retry;
import dev.mintrecorder.worker.storage.Salvage;
import dev.mintrecorder.worker.storage.SegmentUploadListener;
import dev.mintrecorder.worker.storage.StoreSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one owner of a recording attempt, as LiveKit Egress's pipeline controller is: it builds the stages, runs them,
 * and alone decides when and how the recording ends.
 *
 * <p><b>Stages</b>, in the order a frame flows, each owning its resources:
 * <ol>
 *   <li>room ({@link RoomSession}): the signal socket, the subscriber peer connection and the sinks that fill the
 *       bounded frame queues ({@link FrameQueues}), which the recording creates, hands to the room and the encoder,
 *       and closes last;</li>
 *   <li>encoder ({@link RoomEncoder}): a platform thread draining the queues into x264 + AAC and the segment muxer;</li>
 *   <li>sink ({@link MultipartSegmentSink}): each segment streamed into S3 as one multipart upload;</li>
 *   <li>index ({@link RecordingIndex}): manifest.json and index.m3u8, rewritten after each segment.</li>
 * </ol>
 *
 * <p><b>Life</b> ({@link State}): start salvages a dead attempt's uploads when resuming, then joins the room; the
 * encoder starts once the target's tracks are subscribed (JOINED). Each segment's writer reports it once
 * ({@link SegmentDone}, through the segment's stream); the sink passes it on once it is uploaded, and the controller
 * then adds it to the index and publishes a SEGMENT event. It ends on {@link #stop} (STOP, max duration), on
 * {@link #handover()}, when the room ends on its own (closed, target gone past the grace period, failure), or on an
 * encoder or upload failure.
 *
 * <p><b>Confinement</b>: every lifecycle decision and every index change runs on one virtual thread, the
 * controller, which takes {@link Command}s from a queue. Room, encoder and upload callbacks only post commands (or
 * publish an event), so they return fast and the state needs no locks.
 *
 * <p>While it records, the room is registered with the memory governor ({@link RoomMemoryRegistry}), whose levers are
 * the room's video layer and an emergency handover.
 *
 * <p><b>Shutdown order</b> ({@link #finish}): stop the encoder (it flushes and closes the last segment) → wait for the
 * uploads → write the final playlist and manifest (ENDLIST; not on handover, where the next attempt continues them)
 * → close the room (leaves, closes the peer connection) → close the queues (releases queued frames) → stop the
 * upload threads.
 * Input stays open until the encoder has stopped, so the last segment ends where the encoder stopped, not earlier.
 */
public final class RoomRecording implements RecordingSession {
    private static final Logger log = LoggerFactory.getLogger(RoomRecording.class);
    private static final Duration ENCODER_STOP = Duration.ofSeconds(30);
    /** When the room ends on its own, the encoder first takes what is still queued, for at most this long. */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    /** The recording's life; transitions happen only in {@link #transition}. */
    enum State { NEW, STARTING, JOINING, RECORDING, FINISHING, ENDED }

    /** What the controller thread acts on. */
    private sealed interface Command {
        record Start() implements Command { }

        /** @param videoWidth the size of the layer the server sends, as announced (0 when not announced) */
        record TracksReady(int videoWidth, int videoHeight) implements Command { }

        record Stop(SessionEnd.Finished why) implements Command { }

        record Handover(CompletableFuture<Void> done) implements Command { }

        record RoomEnded(RoomEnd end) implements Command { }

        record Failure(StatusEvent.FailureCode code, String error, StatusEvent.Scope scope) implements Command { }

        /** A finished segment is uploaded to {@code key} (in the fallback store, or the primary): index, report it. */
        record SegmentStored(String key, SegmentDone segment, String crc32c, boolean inFallback) implements Command { }

        /** A segment stored in the fallback store is in the primary now. */
        record SegmentCopiedBack(long sequence) implements Command { }

        /** Media stopped for {@code durationMs} before segment {@code beforeSequence}, from-to on the wall clock. */
        record Gap(long beforeSequence, long durationMs, Instant from, Instant to) implements Command { }

        /** A finished segment never reached storage ({@code why}): a gap in the index, reported on the next SEGMENT. */
        record SegmentLost(SegmentDone segment, String why) implements Command { }
    }

    private final PipelineSessionFactory.Shared shared;
    private final SessionContext context;
    private final RecordingJob job;
    private final JobEvents events;
    private final S3Retry retry;
    private final RecordingIndex index;
    /** Made here, filled by the room, drained by the encoder, closed here after the room. */
    private final FrameQueues queues;
    private final LinkedBlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();
    private final Thread controller;

    // Controller-confined.
    private State state = State.NEW;
    private long startSequence;
    private RoomSession room;
    private RoomEncoder encoder;
    private MultipartSegmentSink sink;
    private RoomMemoryRegistry.Registration memory;
    private SessionEnd.Failed firstFailure;
    private final LostSegments lost = new LostSegments();

    RoomRecording(PipelineSessionFactory.Shared shared, SessionContext context) {
        this.shared = shared;
        this.context = context;
        this.job = context.job();
        this.events = context.events();
        this.retry = new S3Retry("recording-" + job.jobId(), shared.upload(), shared.registry());
        this.index = new RecordingIndex(shared.s3(), shared.bucket(), job.mintId(), job.jobId(), job.segmentS(), retry,
                shared.registry());
        this.queues = FrameQueues.create(job.room(), shared.videoQueue(), shared.audioQueue());
        this.controller = Thread.ofVirtual().name("recording-" + job.jobId()).unstarted(this::run);
    }

    @Override
    public void start() {
        commands.add(new Command.Start());
        controller.start();
    }

    @Override
    public void stop(SessionEnd.Finished why) {
        commands.add(new Command.Stop(why));
    }

    @Override
    public void handover() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(new Command.Handover(done));
        // Ends with the session whatever way it ends (a session that already ended has nothing to hand over).
        CompletableFuture.anyOf(done, ended).join();
    }

    @Override
    public CompletableFuture<SessionEnd> ended() {
        return ended;
    }

    // ---- the controller ----

    private void run() {
        // The encoder thread and the upload tasks, started from here, carry this thread's MDC on.
        try (LogContext.Scope ignored = LogContext.recording(job.mintId().value(), job.jobId().toString())) {
            loop();
        }
    }

    private void loop() {
        try {
            while (state != State.ENDED) {
                Command command = commands.take();
                try {
                    handle(command);
                } catch (RuntimeException e) {
                    log.error("job {}: {} failed", job.jobId(), command, e);
                    finish(failed(codeOf(e), "recording failed: " + describe(e), scopeOf(e)), true);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish(failed(StatusEvent.FailureCode.INTERNAL, "recording interrupted", StatusEvent.Scope.SESSION),
                    true);
        } finally {
            if (!ended.isDone()) {
                // Only an Error gets here (the loop ends every other way through finish): report it at least.
                ended.complete(failed(StatusEvent.FailureCode.INTERNAL, "the recording controller stopped unexpectedly",
                        StatusEvent.Scope.SYSTEM));
            }
            // A handover that came after the end has nothing to wait for.
            commands.forEach(c -> {
                if (c instanceof Command.Handover h) {
                    h.done().complete(null);
                }
            });
        }
    }

    private void handle(Command command) {
        switch (command) {
            case Command.Start s -> begin();
            case Command.TracksReady t -> {
                if (state == State.JOINING) {
                    startEncoder(t.videoWidth(), t.videoHeight());
                }
            }
            case Command.Stop s -> finish(s.why(), true);
            case Command.Handover h -> {
                finish(new SessionEnd.HandedOver(), false);
                h.done().complete(null);
            }
            case Command.RoomEnded r -> {
                if (state != State.FINISHING && state != State.ENDED) {
                    awaitQueuedMedia();
                    finish(endOf(r.end()), true);
                }
            }
            case Command.Failure f -> finish(failed(f.code(), f.error(), f.scope()), true);
            case Command.SegmentStored s -> indexSegment(s);
            case Command.SegmentCopiedBack c -> indexCopiedBack(c);
            case Command.Gap g -> index.gap(g.beforeSequence(), g.durationMs(), g.from(), g.to());
            case Command.SegmentLost l -> segmentLost(l);
        }
    }

    /** Salvage (on resume), then join; the encoder waits for the target's tracks. */
    private void begin() {
        transition(State.STARTING);
        if (context.resume()) {
            Salvage.Result salvage = Salvage.run(shared.s3(), shared.bucket(), S3Keys.jobPrefix(job),
                    S3Keys.manifest(job.mintId(), job.jobId()), retry);
            if (salvage.nextSequence() == 0 && salvage.manifest().isEmpty()) {
                // An earlier attempt that recorded nothing (it died before its first segment): a fresh start.
                log.info("job {} resumes with nothing recorded yet (aborted empty {}): starting fresh", job.jobId(),
                        salvage.aborted());
            } else {
                startSequence = index.resume(salvage, context.workerId());
                log.info("job {} resumes at segment {}: salvaged {}, aborted empty {}, {} segment(s) in S3",
                        job.jobId(), startSequence, salvage.completed().keySet(), salvage.aborted(),
                        salvage.stored().size());
            }
        }
        sink = new MultipartSegmentSink(shared.s3(), shared.bucket(), job.mintId(), job.jobId(), shared.upload(),
                uploadListener(), shared.registry(), shared.janitor(), shared.spool(), shared.fallback());
        sink.copyBackLater(index.manifest().segments()); // an earlier attempt's, on resume
        transition(State.JOINING);
        RoomRequest request = new RoomRequest(job.room(), job.targetIdentity(),
                LayerCap.of(job.video()), job.mintId().value(), job.jobId().toString());
        room = shared.rooms().open(request, queues, this::onRoomEvent);
        room.completion().thenAccept(end -> commands.add(new Command.RoomEnded(end)));
    }

    private void startEncoder(int videoWidth, int videoHeight) {
        EncodeSettings settings = new EncodeSettings(job.video().maxHeight(), job.video().fps(), job.segmentS(),
                startSequence, shared.media());
        // The room fills the queues and the encoder only polls them; this recording closes them at its end.
        encoder = new RoomEncoder(job.jobId().toString(), settings, queues.video(), queues.audio()::poll,
                sink, mediaListener());
        encoder.expectVideoSize(videoWidth, videoHeight);
        encoder.start();
        // The memory governor watches this room's queues and upload buffers, and may pull its levers.
        memory = shared.roomMemories().register(new AssembledRoomMemory(job.mintId(), job.jobId(),
                queues.both(), sink::memoryBytes,
                new AssembledRoomMemory.Levers(room::lowerLayer, room::restoreLayer,
                        () -> commands.add(new Command.Handover(new CompletableFuture<>())))));
        transition(State.RECORDING);
        events.joined();
        log.info("job {}: recording room {} from segment {}", job.jobId(), job.room(), startSequence);
    }

    /** A room that ended on its own has finished its queues' input: let the encoder take what is left. */
    private void awaitQueuedMedia() {
        if (encoder == null) {
            return;
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (!queues.video().isDrained() && System.nanoTime() < deadline
                && encoder.state() != RoomEncoder.State.FAILED) {
            // The encoder polls every 10 ms; checking at that pace costs nothing and the deadline bounds the wait.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /**
     * Ends the recording in the documented order and completes {@link #ended()} with {@code outcome}, or with the
     * first failure seen on the way (an encoder or upload error turns a stop into FAILED).
     *
     * @param closePlaylist false on handover: the playlist stays open (no ENDLIST) for the attempt that continues
     */
    private void finish(SessionEnd outcome, boolean closePlaylist) {
        if (state == State.ENDED || state == State.FINISHING) {
            return;
        }
        transition(State.FINISHING);
        log.info("job {}: finishing ({})", job.jobId(), outcome);
        try {
            if (encoder != null) {
                encoder.stop();
                if (!encoder.awaitTermination(ENCODER_STOP)) {
                    recordFailure(failed(StatusEvent.FailureCode.ENCODER,
                            "the encoder did not stop within " + ENCODER_STOP.toSeconds() + " s",
                            StatusEvent.Scope.SYSTEM));
                }
            }
            boolean handover = outcome instanceof SessionEnd.HandedOver;
            Duration wait = handover ? shared.handoverUploads() : uploadGrace();
            long waitUntil = System.nanoTime() + wait.toNanos();
            if (sink != null && !sink.awaitUploads(wait)) {
                if (handover) {
                    // The worker exits at the end of its drain budget anyway: hand over in time. Open uploads stay
                    // for the next attempt's salvage; what is still spooled is lost (the sink logs and counts it).
                    log.error("job {}: uploads not settled within {} s of the drain budget: handing over anyway with "
                            + "{} byte(s) still spooled", job.jobId(), wait.toSeconds(), sink.spooledBytes());
                } else {
                    recordFailure(failed(StatusEvent.FailureCode.STORAGE,
                            "segment uploads did not finish within " + wait.toSeconds() + " s",
                            StatusEvent.Scope.SESSION));
                }
            }
            if (sink != null && !handover && !sink.awaitCopyBack(Duration.ofNanos(Math.max(0,
                    waitUntil - System.nanoTime())))) {
                // Not a failure yet: every segment is stored, some in the fallback; the final index says where.
                log.error("job {}: segments are still in the fallback store after the {} s upload grace: the "
                        + "primary store did not answer", job.jobId(), wait.toSeconds());
            }
            drainCommandsForFailures();
            SessionEnd result = firstFailure != null && !(outcome instanceof SessionEnd.Failed) ? firstFailure : outcome;
            if (closePlaylist || result instanceof SessionEnd.Failed) {
                result = switch (closeIndex(result)) {
                    case PRIMARY -> withSummary(result);
                    case FALLBACK -> indexInFallback(result, shared.fallback().orElseThrow().bucket(),
                            index.summary().manifestKey());
                    case NONE -> result;
                };
            }
            finishWith(result);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finishWith(failed(StatusEvent.FailureCode.INTERNAL, "interrupted while finishing",
                    StatusEvent.Scope.SESSION));
        } catch (RuntimeException e) {
            log.error("job {}: finishing failed", job.jobId(), e);
            finishWith(failed(codeOf(e), "finishing the recording failed: " + describe(e), scopeOf(e)));
        }
    }

    /**
     * Releases the stages (governor registration, room, queues, then upload threads) and completes {@link #ended()}.
     * Uploads still open are aborted (by the worker's janitor once S3 answers), except on handover, where the next
     * attempt salvages them.
     */
    private void finishWith(SessionEnd result) {
        try {
            if (memory != null) {
                memory.close();
            }
            if (room != null) {
                room.close();
            }
        } finally {
            queues.close();
            if (sink != null && result instanceof SessionEnd.HandedOver) {
                sink.handOver(); // the next attempt salvages what is still open
            } else if (sink != null) {
                sink.close(); // what is still open is aborted, later if S3 is down
            }
            transition(State.ENDED);
            log.info("job {}: ended: {}", job.jobId(), result);
            ended.complete(result);
        }
    }

    /**
     * The terminal event's recording, from the final manifest: a STOPPED always carries it, a FAILED when at least one
     * segment was recorded.
     */
    private SessionEnd withSummary(SessionEnd result) {
        StatusEvent.Recording summary = index.summary();
        return switch (result) {
            case SessionEnd.Finished f -> f.withRecording(summary);
            case SessionEnd.Failed f -> summary.segments() > 0 ? f.withRecording(summary) : f;
            case SessionEnd.HandedOver h -> h;
        };
    }

    /** Where the final index went. */
    private enum IndexWritten { PRIMARY, FALLBACK, NONE }

    /**
     * The outcome when the final manifest is in the fallback store only ({@code bucket}, {@code manifestKey}): the job
     * FAILS (STORAGE), or keeps its own failure, and the error says where the manifest is, for the operator who copies
     * it back. No recording summary: the contract's names the primary's bucket.
     */
    static SessionEnd.Failed indexInFallback(SessionEnd result, String bucket, String manifestKey) {
        String where = "the primary store did not answer when the recording ended: its manifest.json, naming every "
                + "segment and its store, is in the fallback store, bucket " + bucket + ", key " + manifestKey
                + "; the playlist in the primary lacks ENDLIST";
        return switch (result) {
            case SessionEnd.Failed f -> new SessionEnd.Failed(f.code(), f.error() + "; " + where, f.scope());
            default -> new SessionEnd.Failed(StatusEvent.FailureCode.STORAGE, where, StatusEvent.Scope.SESSION);
        };
    }

    /**
     * Writes the final playlist and manifest: in the primary (the terminal event then describes them), or the
     * manifest alone in the fallback store when the primary still fails and one is configured.
     *
     * @throws RuntimeException for a normal end whose final write failed (the recording then fails)
     */
    private IndexWritten closeIndex(SessionEnd result) {
        String reason = switch (result) {
            case SessionEnd.Finished f -> f.describe();
            case SessionEnd.Failed f -> "failed: " + f.error();
            case SessionEnd.HandedOver h -> "handed over";
        };
        try {
            return index.end(reason, shared.fallback()) == StoreSelector.Store.PRIMARY ? IndexWritten.PRIMARY
                    : IndexWritten.FALLBACK;
        } catch (RuntimeException e) {
            log.error("job {}: the final playlist could not be written", job.jobId(), e);
            if (result instanceof SessionEnd.Finished) {
                throw e;
            }
            return IndexWritten.NONE;
        }
    }

    /**
     * What was posted while the encoder and uploads were finishing: the last segments and gaps go into the index,
     * failures decide the outcome; nothing else is left to do.
     */
    private void drainCommandsForFailures() {
        for (Command c; (c = commands.poll()) != null; ) {
            switch (c) {
                case Command.Failure f -> recordFailure(failed(f.code(), f.error(), f.scope()));
                case Command.Handover h -> h.done().complete(null);
                case Command.SegmentStored s -> indexSegment(s);
                case Command.SegmentCopiedBack back -> indexCopiedBack(back);
                case Command.Gap g -> index.gap(g.beforeSequence(), g.durationMs(), g.from(), g.to());
                case Command.SegmentLost l -> segmentLost(l);
                default -> { }
            }
        }
    }

    private void recordFailure(SessionEnd.Failed failure) {
        if (firstFailure == null) {
            firstFailure = failure;
        }
    }

    /** Long enough for every retry of the last part and the completion. */
    private Duration uploadGrace() {
        var u = shared.upload();
        return u.retryMaxBackoff().plusSeconds(5).multipliedBy(u.retryAttempts()).plusSeconds(30);
    }

    private void transition(State to) {
        State from = state;
        boolean allowed = switch (to) {
            case NEW -> false;
            case STARTING -> from == State.NEW;
            case JOINING -> from == State.STARTING;
            case RECORDING -> from == State.JOINING;
            case FINISHING -> from != State.FINISHING && from != State.ENDED;
            case ENDED -> from == State.FINISHING;
        };
        if (!allowed) {
            throw new IllegalStateException("recording " + job.jobId() + ": " + from + " -> " + to);
        }
        state = to;
    }

    // ---- callbacks: they post commands or publish, and return ----

    private void onRoomEvent(RoomEvent event) {
        switch (event) {
            case RoomEvent.TracksSubscribed t -> commands.add(new Command.TracksReady(t.videoWidth(), t.videoHeight()));
            case RoomEvent.Stalled s -> events.stalled(s.track(), s.gap().toMillis());
            case RoomEvent.TargetGone g -> events.targetLeft();
            default -> { }
        }
    }

    private MediaListener mediaListener() {
        return new MediaListener() {
            @Override
            public void gap(long beforeSequence, long lastMediaNanos, long resumedNanos, Instant lastMediaAt,
                            Instant resumedAt) {
                commands.add(new Command.Gap(beforeSequence,
                        TimeUnit.NANOSECONDS.toMillis(resumedNanos - lastMediaNanos), lastMediaAt, resumedAt));
            }

            @Override
            public void failed(Throwable error) {
                // A segment stream whose upload failed fails the encoder's next write: name the real cause.
                boolean storage = isStorage(error);
                String what = storage ? "segment upload to S3 failed: " : "the encoder failed: ";
                commands.add(new Command.Failure(storage ? StatusEvent.FailureCode.STORAGE
                        : StatusEvent.FailureCode.ENCODER, what + describe(error), scopeOf(error)));
            }
        };
    }

    private SegmentUploadListener uploadListener() {
        return new SegmentUploadListener() {
            @Override
            public void uploaded(String key, SegmentDone segment, String crc32c) {
                commands.add(new Command.SegmentStored(key, segment, crc32c, false));
            }

            @Override
            public void uploadedToFallback(String key, SegmentDone segment, String crc32c) {
                commands.add(new Command.SegmentStored(key, segment, crc32c, true));
            }

            @Override
            public void copiedToPrimary(String key, SegmentDone segment, String crc32c) {
                commands.add(new Command.SegmentCopiedBack(segment.sequence()));
            }

            @Override
            public void lost(SegmentDone segment, String key, String why) {
                log.error("job {}: segment {} lost ({}): a gap of {} s", job.jobId(), key, why,
                        segment.durationSeconds());
                commands.add(new Command.SegmentLost(segment, why));
            }

            @Override
            public void failed(long sequence, String key, Exception error) {
                commands.add(new Command.Failure(StatusEvent.FailureCode.STORAGE,
                        "segment upload to S3 failed: " + key + ": " + describe(error), scopeOf(error)));
            }
        };
    }

    /** A segment copied back from the fallback store is in the primary now: the index lists it (and publishes). */
    private void indexCopiedBack(Command.SegmentCopiedBack copied) {
        try {
            index.movedToPrimary(copied.sequence());
        } catch (RuntimeException e) {
            log.error("job {}: the playlist could not be written", job.jobId(), e);
            commands.add(new Command.Failure(StatusEvent.FailureCode.STORAGE,
                    "the playlist could not be written to S3: " + describe(e), scopeOf(e)));
        }
    }

    /**
     * A stored segment joins the index (which publishes the playlist), then is reported with a SEGMENT event and a
     * progress line. One failed publish is counted and logged by the index and repaired by the next; a playlist that
     * cannot be written {@value RecordingIndex#MAX_FAILED_PUBLISHES_IN_A_ROW} times in a row fails the recording.
     */
    private void indexSegment(Command.SegmentStored stored) {
        String key = stored.key();
        SegmentDone s = stored.segment();
        try {
            index.add(key, s, stored.crc32c(), stored.inFallback());
        } catch (RuntimeException e) {
            log.error("job {}: the playlist could not be written", job.jobId(), e);
            commands.add(new Command.Failure(StatusEvent.FailureCode.STORAGE,
                    "the playlist could not be written to S3: " + describe(e), scopeOf(e)));
            return;
        }
        Manifest manifest = index.manifest();
        events.segment(s.sequence(), key, s.bytes(), s.durationSeconds(), manifest.droppedFrames(),
                lost.before(s.sequence()).orElse(null));
        logProgress(s, manifest);
    }

    /**
     * The hole goes into the manifest as a gap before the next segment (the playlist marks the missing sequence number
     * with a discontinuity), and the next SEGMENT event says what was lost.
     */
    private void segmentLost(Command.SegmentLost l) {
        SegmentDone segment = l.segment();
        long ms = Math.round(segment.durationSeconds() * 1000);
        Instant from = segment.programDateTime();
        index.gap(segment.sequence() + 1, ms, from, from == null ? null : from.plusMillis(ms));
        lost.add(segment.sequence(), segment.durationSeconds(), l.why());
    }

    /** One line per segment: what the demo shows as progress and what an operator greps for. */
    private void logProgress(SegmentDone s, Manifest manifest) {
        RoomEncoder e = encoder;
        BoundedFrameQueue.Stats video = queues.video().stats();
        EncoderStats enc = e == null ? null : e.stats();
        log.info("progress job={} segment={} seconds={} bytes={} total_segments={} total_bytes={} "
                        + "video_queue_frames={} video_queue_bytes={} video_queue_high_water={} dropped_frames={} "
                        + "frames_encoded={} frames_skipped={} source_skipped_frames={} upload_bytes_held={}",
                job.jobId(), s.sequence(), String.format(java.util.Locale.ROOT, "%.2f", s.durationSeconds()), s.bytes(),
                manifest.segments().size(), manifest.totalBytes(),
                video.frames(), video.bytes(), video.highWaterBytes(), manifest.droppedFrames(),
                enc == null ? 0 : enc.framesEncoded(), enc == null ? 0 : enc.framesSkipped(),
                manifest.sourceSkippedFrames(),
                sink == null ? 0 : sink.bytesHeld());
    }

    // ---- how things end ----

    /** The session end for a room that ended on its own. */
    static SessionEnd endOf(RoomEnd end) {
        return switch (end.reason()) {
            case ROOM_CLOSED -> new SessionEnd.Finished(SessionEnd.Reason.ROOM_CLOSED, end.detail());
            case TARGET_LEFT -> new SessionEnd.Finished(SessionEnd.Reason.TARGET_LEFT, end.detail());
            case REMOVED -> new SessionEnd.Finished(SessionEnd.Reason.RECORDER_REMOVED, end.detail());
            case CLOSED -> new SessionEnd.Finished(SessionEnd.Reason.STOPPED, end.detail());
            case FAILED -> new SessionEnd.Failed(end.error() == null ? StatusEvent.FailureCode.INTERNAL
                    : codeOf(end.error()), "room: " + end.detail(), end.error() != null
                    && end.error().scope() == RoomException.Scope.SYSTEM ? StatusEvent.Scope.SYSTEM : StatusEvent.Scope.SESSION);
        };
    }

    /** A room failure's code. */
    static StatusEvent.FailureCode codeOf(RoomException.Kind kind) {
        return switch (kind) {
            case INVALID_TOKEN -> StatusEvent.FailureCode.TOKEN_REJECTED;
            case ROOM_NOT_FOUND -> StatusEvent.FailureCode.ROOM_NOT_FOUND;
            case CONNECT_FAILED -> StatusEvent.FailureCode.CONNECT_FAILED;
            case JOIN_REJECTED -> StatusEvent.FailureCode.JOIN_REJECTED;
            // The contract's codes are closed within schema 1; the error text tells these apart.
            case TARGET_NOT_FOUND, TARGET_TRACKS_MISSING, TRACK_NOT_FOUND -> StatusEvent.FailureCode.TARGET_TRACKS_MISSING;
            case SIGNAL_LOST -> StatusEvent.FailureCode.SIGNAL_LOST;
            case CODEC_UNSUPPORTED, MEDIA_FAILED, WEBRTC_UNAVAILABLE -> StatusEvent.FailureCode.WEBRTC;
        };
    }

    /**
     * The code of a failure thrown in the recording: the room's kind, STORAGE for S3 (an SDK error or an unwritable
     * playlist), ENCODER for FFmpeg, INTERNAL for anything else.
     */
    static StatusEvent.FailureCode codeOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RoomException r) {
                return codeOf(r.kind());
            }
            if (t instanceof SdkException || t instanceof RecordingIndex.PublishException) {
                return StatusEvent.FailureCode.STORAGE;
            }
            if (t instanceof FfmpegException) {
                return StatusEvent.FailureCode.ENCODER;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return StatusEvent.FailureCode.INTERNAL;
    }

    /**
     * SYSTEM when the worker itself cannot record (WebRTC gone, S3 credentials or permissions rejected), so it stops
     * taking work; SESSION otherwise.
     */
    static StatusEvent.Scope scopeOf(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof RoomException r && r.scope() == RoomException.Scope.SYSTEM) {
                return StatusEvent.Scope.SYSTEM;
            }
            if (t instanceof S3Exception s && (s.statusCode() == 403 || s.statusCode() == 401)) {
                return StatusEvent.Scope.SYSTEM;
            }
        }
        return StatusEvent.Scope.SESSION;
    }

    static boolean isStorage(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SdkException) {
                return true;
            }
        }
        return false;
    }

    private SessionEnd.Failed failed(StatusEvent.FailureCode code, String error, StatusEvent.Scope scope) {
        return new SessionEnd.Failed(code, error, scope);
    }

    /** The root cause's class and message: what an operator needs in a FAILED event. */
    static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return root == error ? top : top + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
