package dev.mintrecorder.worker.media;

import java.util.ArrayDeque;

/**
 * How much later than its least delay the receiver is playing the audio out right now (pure, thread-safe): what an
 * audio chunk's arrival time must be corrected by to stand for its capture time as steadily as a video frame's render
 * time does.
 *
 * <p><b>Why.</b> Remote audio reaches the sink when libwebrtc's headless audio device pulls it out of NetEq, every
 * 10 ms by a sleep loop that does not catch up, so it pulls 1-4% slower than real time. NetEq's buffer then grows
 * until NetEq compresses its audio (accelerate) and the buffer falls back: the audio's delay saws between about 60 and
 * 190 ms (measured in {@code RecordingPipelineIT}, 2026-12-06), while a video frame's render time stays 17-47 ms after
 * its capture. A chunk stamped on arrival is therefore heard up to 150 ms after the frame captured with it.
 *
 * <p><b>How.</b> The audio receiver reports the RTP timestamp of the audio it last played out and when
 * ({@code getSynchronizationSources}). Local playout time minus RTP time is the delay plus a constant (the RTP
 * timestamps' random origin); its least value over {@link #WINDOW_NANOS} is the delay at its lowest, and the excess
 * over that is how late the audio is now. The current value is the least over {@link #RECENT_NANOS}, because a 20 ms
 * packet is played out in two 10 ms halves under one RTP timestamp. A jump of more than {@link #RESET_NANOS} (audio
 * back after a pause, a new stream) starts the window afresh.
 */
public final class PlayoutLag {
    static final long WINDOW_NANOS = 30_000_000_000L;
    static final long RECENT_NANOS = 250_000_000L;
    static final long RESET_NANOS = 500_000_000L;

    private final int clockRate;
    /** (local playout nanos, playout minus media nanos), oldest first. */
    private final ArrayDeque<long[]> window = new ArrayDeque<>();
    private long lastRtp = -1;
    private long lastLocalNanos = Long.MIN_VALUE;
    private long unwrapped;
    private volatile long excessNanos;

    /** @param clockRate the RTP clock rate of the audio (48000 for Opus) */
    public PlayoutLag(int clockRate) {
        this.clockRate = clockRate;
    }

    /**
     * One report of the receiver: the audio with RTP timestamp {@code rtpTimestamp} (32-bit, unsigned) was played out
     * at {@code playoutMicros} on the local monotonic clock (webrtc-java's {@code RTCRtpContributingSource.timestamp}
     * is in microseconds, whatever its native getter's name says: probed against {@code System.nanoTime()}). A report
     * repeated unchanged (nothing played since) is ignored.
     */
    public synchronized void observe(long playoutMicros, long rtpTimestamp) {
        long local = playoutMicros * 1_000L;
        if (local == lastLocalNanos) {
            return;
        }
        if (lastRtp >= 0) {
            unwrapped += (int) (rtpTimestamp - lastRtp); // the signed 32-bit step survives a wrap
        } else {
            unwrapped = rtpTimestamp;
        }
        lastRtp = rtpTimestamp;
        lastLocalNanos = local;
        long x = local - Math.floorDiv(unwrapped * 1_000_000_000L, clockRate);
        long[] newest = window.peekLast();
        if (newest != null && (Math.abs(x - newest[1]) > RESET_NANOS || local < newest[0])) {
            window.clear();
        }
        window.addLast(new long[] {local, x});
        while (local - window.peekFirst()[0] > WINDOW_NANOS) {
            window.removeFirst();
        }
        long least = Long.MAX_VALUE;
        long recent = Long.MAX_VALUE;
        for (long[] s : window) {
            least = Math.min(least, s[1]);
            if (local - s[0] <= RECENT_NANOS) {
                recent = Math.min(recent, s[1]);
            }
        }
        excessNanos = recent - least;
    }

    /** How much later than its least delay in the window the audio is played out now, in nanoseconds (≥ 0). */
    public long excessNanos() {
        return excessNanos;
    }
}
