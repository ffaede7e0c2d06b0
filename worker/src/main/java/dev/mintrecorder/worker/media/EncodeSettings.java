package dev.mintrecorder.worker.media;

import java.time.Duration;

/**
 * What one recording's encoder needs: the job's video cap and segment length plus the worker's {@link MediaConfig}.
 *
 * @param maxHeight frames taller than this are scaled down (aspect kept, even dimensions)
 * @param fps the frame-rate cap; faster input is thinned
 * @param startSequence the first segment number (after salvage, one past the highest existing)
 */
public record EncodeSettings(int maxHeight, int fps, int segmentSeconds, long startSequence, MediaConfig media) {
    public EncodeSettings {
        if (maxHeight < 2 || fps < 1 || segmentSeconds < 1 || startSequence < 0) {
            throw new IllegalArgumentException("bad encode settings: " + maxHeight + "p " + fps + " fps "
                    + segmentSeconds + " s from " + startSequence);
        }
    }

    Duration gapThreshold() {
        return media.gapThreshold();
    }
}
