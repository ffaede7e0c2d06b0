package dev.mintrecorder.worker.media;

import dev.mintrecorder.worker.ops.LogContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;

/**
 * One room's encoder: a platform thread (the work is native) that drains the video and audio sources, encodes
 * H.264 + AAC and cuts MPEG-TS segments.
 *
 * <p><b>Timeline.</b> Both tracks sit on one timeline whose zero is the first video frame of the current run
 * ({@link RunTimeline}); a frame's or chunk's position is its {@code timestampNanos} minus that zero, so A/V sync comes
 * from the capture clock, not from counting arrivals. Audio that goes missing is filled with silence and audio that
 * runs ahead is trimmed or dropped, so the audio track never drifts from the video track. Each run reads the wall
 * clock once; a segment's program date-time is that reading plus the media time of its first frame.
 *
 * <p><b>Gaps.</b> When no video frame arrives for {@link MediaConfig#gapThreshold()} (a stall or a paused publisher),
 * or a frame's timestamp jumps by more than that, the run ends: both encoders are flushed and the last segment closes.
 * Audio during the gap is dropped. The next video frame starts a new run (fresh encoders and muxer, timeline zero
 * at that frame) whose first segment is flagged as a discontinuity, and the gap is reported. Audio and video thus
 * stay in sync on both sides of every gap, and segment durations stay honest.
 *
 * <p><b>Frame loss.</b> Every frame number missing between two frames of a run is counted once, by cause
 * ({@link FrameLoss}): frames the video queue dropped in front of a frame and frames thinned to the fps cap are
 * dropped; the rest of the step between the two frames' timestamps ({@link FrameCadence}) the source never sent. A
 * frame's loss is added after it is encoded, so a segment's {@link SegmentDone#loss()}, read when the next segment's
 * keyframe cuts it, covers exactly its own frames. Frames lost before a run's first frame are the gap's or the
 * resume's; frames dropped after the last encoded one are in no recording (the queue's metrics still count both).
 *
 * <p><b>Size.</b> The output size is fixed for the whole recording by the first frame (capped at the job's max
 * height, aspect kept, even); every later frame, including after a resolution change, is scaled to it.
 */
public final class RoomEncoder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomEncoder.class);
    private static final Duration POLL = Duration.ofMillis(10);
    /** How far ahead of the fps cap's schedule frames may run before thinning starts (see onVideo). */
    private static final long THIN_BURST_PTS = VideoEncoder.TIME_BASE / 2;
    /** With no audio arriving at all, silence follows the video this far behind. */
    private static final double SILENT_TRACK_LAG_S = 0.5;

    static {
        av_log_set_level(AV_LOG_ERROR);
    }

    /** The encoder's life; transitions happen only in {@link #transition}. */
    public enum State { NEW, WAITING_FOR_VIDEO, RECORDING, IN_GAP, STOPPED, FAILED }

    private final String name;
    private final EncodeSettings settings;
    private final FrameSource<RawVideoFrame> video;
    private final FrameSource<AudioChunk> audio;
    private final SegmentOutput output;
    private final MediaListener listener;
    private final Thread thread;

    private volatile State state = State.NEW;
    private volatile boolean stopRequested;
    private volatile Throwable failure;

    private final AtomicLong framesEncoded = new AtomicLong();
    private final AtomicLong framesSkipped = new AtomicLong();
    private final AtomicLong audioEncoded = new AtomicLong();
    private final AtomicLong audioDropped = new AtomicLong();
    private final AtomicLong silenceSamples = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong segments = new AtomicLong();
    private final AtomicLong lossDropped = new AtomicLong();
    private final AtomicLong lossSkipped = new AtomicLong();

    // Owned by the encoder thread.
    private Run run;
    private int outWidth;
    private int outHeight;
    /** Set before {@link #start} (see {@link #expectVideoSize}); 0 when not announced. */
    private int expectedWidth;
    private int expectedHeight;
    private volatile long nextSequence;
    private long lastVideoTs;
    /** The wall-clock time of the last frame before a gap (for the gap's span). */
    private Instant lastVideoWall;
    private long lastVideoArrival;
    private RawVideoFrame pendingVideo;
    /** The video source's drop count when {@link #pendingVideo} was taken: the drops in front of it are below it. */
    private long pendingVideoDropsBefore;
    private AudioChunk pendingAudio;

    /** A continuous stretch of media: its encoders, its muxer and its timeline zero. */
    private final class Run implements AutoCloseable {
        final VideoEncoder videoEncoder;
        final AudioEncoder audioEncoder;
        final Segmenter segmenter;
        final RunTimeline timeline;
        final Consumer<AVPacket> videoOut;
        final Consumer<AVPacket> audioOut;
        long lastPts = Long.MIN_VALUE;
        final FrameCadence cadence = new FrameCadence();
        /** The video source's drop count at the run's last encoded frame, and frames thinned since it. */
        long dropsAtLastFrame;
        long thinnedSinceLastFrame;
        /** The earliest pts the next frame may take without exceeding the fps cap (see onVideo). */
        long nextSlotPts = Long.MIN_VALUE;

        Run(RunTimeline timeline, boolean discontinuity) {
            this.timeline = timeline;
            MediaConfig m = settings.media();
            VideoEncoder v = null;
            AudioEncoder a = null;
            try {
                v = new VideoEncoder(outWidth, outHeight, settings.fps(), m.videoBitrateKbps(), m.videoPreset(),
                        m.videoThreads());
                a = new AudioEncoder(m.audioBitrateKbps());
                segmenter = new Segmenter(output, segments, settings.segmentSeconds(), nextSequence,
                        discontinuity, timeline, v.context(), a.context(), RoomEncoder.this::loss);
            } catch (RuntimeException e) {
                if (a != null) {
                    a.close();
                }
                if (v != null) {
                    v.close();
                }
                throw e;
            }
            videoEncoder = v;
            audioEncoder = a;
            videoOut = pkt -> segmenter.submit(pkt, true);
            audioOut = pkt -> segmenter.submit(pkt, false);
        }

        /** Flushes both encoders into the muxer and closes the last segment (skipped when failing). */
        void finish(boolean flush) {
            try {
                if (flush) {
                    videoEncoder.flush(videoOut);
                    audioEncoder.flush(audioOut);
                }
            } finally {
                close();
            }
        }

        /** Close order: the muxer (writes the trailer, closes the segment), then the encoders. */
        @Override
        public void close() {
            try {
                segmenter.close();
            } finally {
                nextSequence = segmenter.nextSequence();
                videoEncoder.close();
                audioEncoder.close();
            }
        }
    }

    public RoomEncoder(String name, EncodeSettings settings, FrameSource<RawVideoFrame> video,
                       FrameSource<AudioChunk> audio, SegmentOutput output, MediaListener listener) {
        this.name = name;
        this.settings = settings;
        this.video = video;
        this.audio = audio;
        this.output = output;
        this.listener = listener;
        this.nextSequence = settings.startSequence();
        // Carries the creating thread's MDC (the recording controller's mint_id/job_id) onto the encoder thread.
        this.thread = Thread.ofPlatform().name("encoder-" + name).unstarted(LogContext.propagate(this::loop));
    }

    public void start() {
        transition(State.WAITING_FOR_VIDEO);
        thread.start();
    }

    /** Asks the encoder to finish: the current run is flushed and its last segment closed. Returns at once. */
    public void stop() {
        stopRequested = true;
    }

    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    public State state() {
        return state;
    }

    /** The error that stopped the encoder, or null. */
    public Throwable failure() {
        return failure;
    }

    /** The sequence number the next segment would take (one past the last one opened). */
    public long nextSequence() {
        return nextSequence;
    }

    public EncoderStats stats() {
        return new EncoderStats(framesEncoded.get(), framesSkipped.get(), audioEncoded.get(), audioDropped.get(),
                silenceSamples.get(), gaps.get(), segments.get());
    }

    /** This attempt's frame numbers missing inside its runs so far, by cause (see the class comment). */
    public FrameLoss loss() {
        return new FrameLoss(lossDropped.get(), lossSkipped.get());
    }

    /** Stops and waits for the thread to release everything. */
    @Override
    public void close() {
        stop();
        if (state == State.NEW) {
            return;
        }
        try {
            if (!thread.join(Duration.ofSeconds(30))) {
                log.error("encoder {} did not stop within 30 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void transition(State to) {
        State from = state;
        boolean allowed = switch (to) {
            case NEW -> false;
            case WAITING_FOR_VIDEO -> from == State.NEW;
            case RECORDING -> from == State.WAITING_FOR_VIDEO || from == State.IN_GAP;
            case IN_GAP -> from == State.RECORDING;
            case STOPPED, FAILED -> from != State.STOPPED && from != State.FAILED;
        };
        if (!allowed) {
            throw new IllegalStateException("encoder " + name + ": " + from + " -> " + to);
        }
        state = to;
    }

    private void loop() {
        try {
            while (!stopRequested) {
                step();
            }
            if (run != null) {
                Run r = run;
                run = null;
                r.finish(true);
            }
            transition(State.STOPPED);
        } catch (Throwable t) {
            failure = t;
            log.error("encoder {} failed", name, t);
            if (run != null) {
                Run r = run;
                run = null;
                try {
                    r.finish(false);
                } catch (Throwable closeError) {
                    t.addSuppressed(closeError);
                }
            }
            transition(State.FAILED);
            listener.failed(t);
        } finally {
            if (pendingVideo != null) {
                pendingVideo.close();
                pendingVideo = null;
            }
        }
    }

    /** Takes the earlier of the next video frame and the next audio chunk and encodes it. */
    private void step() throws InterruptedException {
        if (pendingVideo == null) {
            pollVideo(Duration.ZERO);
        }
        if (pendingAudio == null) {
            pendingAudio = audio.poll(Duration.ZERO);
        }
        if (pendingVideo == null && pendingAudio == null) {
            pollVideo(POLL);
            if (pendingVideo == null) {
                checkStall();
                return;
            }
        }
        if (pendingVideo != null && (pendingAudio == null || pendingVideo.timestampNanos() <= pendingAudio.timestampNanos())) {
            RawVideoFrame frame = pendingVideo;
            pendingVideo = null;
            try {
                onVideo(frame, pendingVideoDropsBefore);
            } finally {
                frame.close();
            }
        } else {
            AudioChunk chunk = pendingAudio;
            pendingAudio = null;
            onAudio(chunk);
        }
        if (pendingAudio == null && pendingVideo == null) {
            checkStall();
        }
    }

    /** Takes the next video frame, with the source's drop count read at once: a later drop is of a later frame. */
    private void pollVideo(Duration timeout) throws InterruptedException {
        pendingVideo = video.poll(timeout);
        if (pendingVideo != null) {
            pendingVideoDropsBefore = video.dropped();
        }
    }

    private void checkStall() {
        long threshold = settings.gapThreshold().toNanos();
        if (state == State.RECORDING && System.nanoTime() - lastVideoArrival > threshold) {
            log.info("encoder {}: no video for {} ms, closing the run", name,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastVideoArrival));
            endRunForGap();
        }
    }

    private void endRunForGap() {
        Run r = run;
        run = null;
        lastVideoWall = r.timeline.wallAt(lastVideoTs);
        r.finish(true);
        transition(State.IN_GAP);
    }

    private void onVideo(RawVideoFrame frame, long dropsBefore) {
        long ts = frame.timestampNanos();
        lastVideoArrival = System.nanoTime();
        if (state == State.RECORDING && ts - lastVideoTs > settings.gapThreshold().toNanos()) {
            endRunForGap();
        }
        if (state != State.RECORDING) {
            if (outWidth == 0) {
                chooseOutputSize(frame.width(), frame.height());
            }
            boolean resumed = state == State.IN_GAP;
            // The run's one wall-clock reading: every segment's program date-time is this plus media time.
            RunTimeline timeline = RunTimeline.start(ts, Instant.now(), System.nanoTime());
            if (resumed) {
                gaps.incrementAndGet();
                listener.gap(nextSequence, lastVideoTs, ts, lastVideoWall, timeline.wallAtZero());
            }
            run = new Run(timeline, resumed);
            // Frames dropped before a run's first frame are inside the gap or the resume before it.
            run.dropsAtLastFrame = dropsBefore;
            transition(State.RECORDING);
        }
        run.cadence.observe(ts);
        long pts = run.timeline.videoPts(ts);
        // Thin only what exceeds the fps cap on average: each kept frame takes a 1/fps slot, and frames may run up to
        // half a second ahead of that schedule. Per-frame spacing would drop real frames whenever some arrive close
        // together (jitter, a late decode): measured, 2-8 of 450 frames of a 15 fps publisher under a 30 fps cap, and
        // 3-14 of 900 at 30 fps under a 30 fps cap with a short burst. A repeated timestamp is still skipped.
        long step = VideoEncoder.TIME_BASE / settings.fps();
        if (run.lastPts != Long.MIN_VALUE && (pts <= run.lastPts || pts < run.nextSlotPts - THIN_BURST_PTS)) {
            framesSkipped.incrementAndGet();
            run.thinnedSinceLastFrame++;
            return;
        }
        boolean runStart = run.lastPts == Long.MIN_VALUE;
        long previousTs = lastVideoTs;
        run.nextSlotPts = Math.max(run.nextSlotPts, pts) + step;
        lastVideoTs = ts;
        run.lastPts = pts;
        run.videoEncoder.encode(frame, pts, run.videoOut);
        framesEncoded.incrementAndGet();
        // After the encode: a segment this frame's keyframe cut counts only the frames before it.
        if (!runStart) {
            long dropped = dropsBefore - run.dropsAtLastFrame + run.thinnedSinceLastFrame;
            lossDropped.addAndGet(dropped);
            lossSkipped.addAndGet(run.cadence.sourceSkipped(previousTs, ts, dropped));
        }
        run.dropsAtLastFrame = dropsBefore;
        run.thinnedSinceLastFrame = 0;
        // No audio at all (muted or audio-less publisher): keep the audio track alongside with silence.
        double videoS = (double) pts / VideoEncoder.TIME_BASE;
        long behind = (long) ((videoS - SILENT_TRACK_LAG_S) * AudioEncoder.SAMPLE_RATE) - run.audioEncoder.position();
        if (behind > AudioEncoder.SAMPLE_RATE * SILENT_TRACK_LAG_S) {
            writeSilence((int) behind);
        }
    }

    private void onAudio(AudioChunk chunk) {
        if (state != State.RECORDING) {
            audioDropped.incrementAndGet();
            return;
        }
        RunTimeline.AudioPlacement place = run.timeline.placeAudio(chunk.timestampNanos(), run.audioEncoder.position());
        if (place.discard()) {
            audioDropped.incrementAndGet();
            return;
        }
        if (place.silenceBefore() > 0) {
            writeSilence((int) place.silenceBefore());
        }
        run.audioEncoder.write(chunk, (int) place.trimAfter(), run.audioOut);
        audioEncoded.incrementAndGet();
    }

    private void writeSilence(int samples) {
        run.audioEncoder.writeSilence(samples, run.audioOut);
        silenceSamples.addAndGet(samples);
    }

    /**
     * The size the SFU is expected to send (the announced layer it picks for the cap), before {@link #start}: the
     * output size is chosen from the larger of it and the first frame. A simulcast publisher's stream may begin on a
     * low layer while its bandwidth estimate ramps up, and the recording must not keep that layer's size for good.
     */
    public void expectVideoSize(int width, int height) {
        expectedWidth = width;
        expectedHeight = height;
    }

    private void chooseOutputSize(int width, int height) {
        if (expectedHeight > height && expectedWidth > 0) {
            log.info("encoder {}: first frame {}x{} is below the {}x{} layer the SFU should send; sizing for that layer",
                    name, width, height, expectedWidth, expectedHeight);
            width = expectedWidth;
            height = expectedHeight;
        }
        int h = Math.min(height, settings.maxHeight()) & ~1;
        int w = (int) Math.round((double) width * h / height) & ~1;
        outWidth = Math.max(2, w);
        outHeight = Math.max(2, h);
        log.info("encoder {}: input {}x{}, recording at {}x{}", name, width, height, outWidth, outHeight);
    }
}
