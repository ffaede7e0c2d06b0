package dev.mintrecorder.worker.media;

/**
 * Counters of one room's encoder, for metrics and the manifest.
 *
 * @param framesSkipped frames thinned by the fps cap or with a timestamp at or before the previous one
 * @param audioChunksDropped chunks outside a run (before the first video frame, in a gap) or ahead of the timeline
 * @param silenceSamples samples of silence written where audio was missing
 */
public record EncoderStats(long framesEncoded, long framesSkipped, long audioChunksEncoded, long audioChunksDropped,
                           long silenceSamples, long gaps, long segments) {
}
