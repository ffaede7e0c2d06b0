package dev.mintrecorder.worker.media;

import java.time.Instant;

/**
 * A finished segment as its writer (the segment muxer) knows it. The writer reports it once, when it ends the
 * segment's stream ({@link SegmentOutput.Segment#finish}); the output passes it on from there (the storage sink, once
 * the segment is uploaded, to the one place that indexes it).
 *
 * @param sequence the segment's number
 * @param durationSeconds from its first video frame to the end of its last (or to the keyframe that cut it)
 * @param discontinuity whether it starts a new run after a media gap (the playlist marks it)
 * @param bytes the segment's size as written
 * @param programDateTime the wall-clock time of its first frame (the run's one wall-clock reading plus media time), or
 *        null when unknown (a segment without video)
 * @param loss the attempt's frame numbers missing inside its runs up to this segment's last frame
 */
public record SegmentDone(long sequence, double durationSeconds, boolean discontinuity, long bytes,
                          Instant programDateTime, FrameLoss loss) {
}
