package dev.mintrecorder.worker.media;

/**
 * A chunk of 16-bit little-endian interleaved PCM (libwebrtc delivers 10 ms per callback).
 *
 * <p>A heap copy: the native buffer is only valid during the sink callback.
 *
 * @param timestampNanos the chunk's capture time on the same clock as {@link RawVideoFrame#timestampNanos()}
 */
public record AudioChunk(byte[] pcm, int sampleRate, int channels, int frames, long timestampNanos) {
    public long sizeBytes() {
        return pcm.length;
    }
}
