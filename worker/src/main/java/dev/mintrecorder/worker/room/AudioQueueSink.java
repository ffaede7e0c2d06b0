package dev.mintrecorder.worker.room;

import dev.mintrecorder.worker.media.AudioChunk;
import dev.mintrecorder.worker.media.BoundedFrameQueue;
import dev.mintrecorder.worker.media.PlayoutLag;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.LongAdder;

/**
 * The remote audio track's sink: hands each 10 ms chunk to the bounded queue and returns.
 *
 * <p>webrtc-java 0.14.0 already copies the PCM into a fresh {@code byte[]} per callback
 * ({@code AudioTrackSink.cpp}: {@code NewByteArray} + {@code SetByteArrayRegion}), so the array is kept as is
 * rather than copied again. Only 16-bit PCM is accepted, which is what libwebrtc's playout path delivers.
 *
 * <p>A chunk is stamped with its arrival time less the audio's current playout excess ({@link PlayoutLag}): the
 * headless audio device pulls slowly, so NetEq's delay saws by 100-200 ms, and arrival alone put the audio up to 185 ms
 * (600 ms under load) behind the video captured with it.
 */
public final class AudioQueueSink implements AudioTrackSink {
    private static final Logger log = LoggerFactory.getLogger(AudioQueueSink.class);

    private final BoundedFrameQueue<AudioChunk> queue;
    private final StallDetector stall;
    private final PlayoutLag lag;
    private final LongAdder delivered = new LongAdder();

    public AudioQueueSink(BoundedFrameQueue<AudioChunk> queue, StallDetector stall, PlayoutLag lag) {
        this.queue = queue;
        this.stall = stall;
        this.lag = lag;
    }

    @Override
    public void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        delivered.increment();
        stall.onFrame();
        if (bitsPerSample != 16) {
            log.warn("audio sink of {}: unexpected {} bits per sample, chunk dropped", queue.name(), bitsPerSample);
            return;
        }
        queue.offer(new AudioChunk(data, sampleRate, channels, frames, System.nanoTime() - lag.excessNanos()));
    }

    /** Chunks libwebrtc delivered to this sink. */
    public long delivered() {
        return delivered.sum();
    }
}
