package dev.mintrecorder.devstack.media;

import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The synthetic publisher of one room: a frame-numbered {@link Scene} and a sine tone, pushed into one
 * {@code CustomVideoSource}/{@link CustomAudioSource} per subscriber track ("outlet"). Each video outlet has its own
 * size, which is how the room server honours a subscriber's {@code UpdateTrackSettings} without simulcast: the
 * scene is drawn at that size. All subscribers see the same frame number at the same tick.
 *
 * <p>A frame is stamped with the time its tick was due (the schedule's start plus whole periods), not when the tick
 * ran, like a camera's capture clock. Every few seconds a frame flashes and the audio clicks at its timestamp
 * ({@link SyncMarks}), so a recording's A/V offset can be measured.
 *
 * <p>Ticks run on one platform thread (native pushes). Outlets are owned by the media engine; this class only pushes.
 */
final class SyntheticSource extends FrameSource implements AutoCloseable {
    private static final int SAMPLE_RATE = 48_000;
    private static final int CHUNK_SAMPLES = SAMPLE_RATE / 100;

    private final ScheduledExecutorService ticker;
    private final byte[] chunk = new byte[CHUNK_SAMPLES * 2];
    private final double toneHz;
    private final Scene scene;
    private ScheduledFuture<?> videoTask;
    private volatile boolean stalled;
    private long frameNumber;
    private long sampleIndex;
    /** The video ticks' schedule: tick k (from 1) is due at start + k × period, as scheduleAtFixedRate runs them. */
    private record Schedule(long startNanos, long periodNanos, int fps) {
    }

    private volatile Schedule schedule;
    /** Ticker thread only: the schedule {@link #ticks} counts for. */
    private Schedule tickSchedule;
    private long ticks;
    /** When the next flash frame is due; the audio tick whose chunk holds it clicks. */
    private volatile long nextMarkNanos = Long.MIN_VALUE;
    /** Ticker thread only: the mark last clicked, and how much of its click is still to write. */
    private long clickedMarkNanos = Long.MIN_VALUE;
    private int clickWritten = SyncMarks.CLICK_SAMPLES;

    SyntheticSource(String room, int fps, double toneHz, Scene scene) {
        this.toneHz = toneHz;
        this.scene = scene;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "synthetic-" + room);
            thread.setDaemon(true);
            return thread;
        });
        setFps(fps);
        ticker.scheduleAtFixedRate(this::audioTick, 10, 10, TimeUnit.MILLISECONDS);
    }

    synchronized void setFps(int fps) {
        if (videoTask != null) {
            videoTask.cancel(false);
        }
        long periodMicros = 1_000_000L / Math.max(1, fps);
        schedule = new Schedule(System.nanoTime(), periodMicros * 1000, fps);
        videoTask = ticker.scheduleAtFixedRate(this::videoTick, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
    }

    void setStalled(boolean stalled) {
        this.stalled = stalled;
    }

    private void videoTick() {
        Schedule s = schedule;
        if (s != tickSchedule) {
            tickSchedule = s;
            ticks = 0;
        }
        long due = s.startNanos() + ++ticks * s.periodNanos();
        long number = frameNumber++;
        boolean mark = SyncMarks.isMark(number, s.fps());
        nextMarkNanos = due + SyncMarks.framesToNextMark(number, s.fps()) * s.periodNanos();
        if (stalled || videoOutlets.isEmpty()) {
            return;
        }
        // One frame per distinct size; each pushed frame is copied by the source, so ours is released here.
        Map<Long, VideoFrame> bySize = new HashMap<>();
        try {
            for (VideoOutlet outlet : videoOutlets) {
                int w = outlet.width;
                int h = outlet.height;
                if (w <= 0 || h <= 0 || number % outlet.every != 0) {
                    continue;
                }
                VideoFrame frame = bySize.computeIfAbsent(((long) w << 32) | h, key -> render(number, w, h, due, mark));
                outlet.push(frame);
            }
        } catch (RuntimeException e) {
            MediaMain.log("video tick failed: " + e);
        } finally {
            bySize.values().forEach(VideoFrame::release);
        }
    }

    private VideoFrame render(long number, int width, int height, long timestampNs, boolean flash) {
        NativeI420Buffer buffer = NativeI420Buffer.allocate(width, height);
        scene.render(number, flash, width, height, buffer.getDataY(), buffer.getStrideY(), buffer.getDataU(),
                buffer.getStrideU(), buffer.getDataV(), buffer.getStrideV());
        return new VideoFrame(buffer, timestampNs);
    }

    private void audioTick() {
        long now = System.nanoTime();
        long mark = nextMarkNanos;
        int clickFrom = CHUNK_SAMPLES;
        if (mark != clickedMarkNanos) {
            int offset = SyncMarks.clickOffset(mark, now, CHUNK_SAMPLES, SAMPLE_RATE);
            if (offset >= 0) {
                clickedMarkNanos = mark;
                clickWritten = 0;
                clickFrom = offset;
            }
        } else if (clickWritten < SyncMarks.CLICK_SAMPLES) {
            clickFrom = 0; // the rest of a click that began in the previous chunk
        }
        if (stalled || audioOutlets.isEmpty()) {
            clickWritten = SyncMarks.CLICK_SAMPLES;
            return;
        }
        for (int i = 0; i < CHUNK_SAMPLES; i++) {
            double t = (double) (sampleIndex + i) / SAMPLE_RATE;
            short sample = (short) (Math.sin(2 * Math.PI * toneHz * t) * 8000);
            if (i >= clickFrom && clickWritten < SyncMarks.CLICK_SAMPLES) {
                sample = SyncMarks.clickSample(clickWritten++);
            }
            chunk[2 * i] = (byte) sample;
            chunk[2 * i + 1] = (byte) (sample >> 8);
        }
        sampleIndex += CHUNK_SAMPLES;
        try {
            for (CustomAudioSource outlet : new ArrayList<>(audioOutlets)) {
                outlet.pushAudio(chunk, 16, SAMPLE_RATE, 1, CHUNK_SAMPLES);
            }
        } catch (RuntimeException e) {
            MediaMain.log("audio tick failed: " + e);
        }
    }

    @Override
    public void close() {
        videoOutlets.clear();
        audioOutlets.clear();
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
