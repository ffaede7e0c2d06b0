package dev.mintrecorder.worker.media;

/**
 * Frame numbers missing between the frames a recording holds, by cause, counted from an attempt's start.
 *
 * @param dropped frames the worker received and did not encode: its video queue's drops (the oldest frame goes when the
 *        encoder falls behind) and the encoder's thinning to the fps cap
 * @param sourceSkipped frames the source never sent, inferred from the steps in the frame timestamps
 *        ({@link FrameCadence}): exact for a constant-frame-rate source, an estimate otherwise
 */
public record FrameLoss(long dropped, long sourceSkipped) {
    public static final FrameLoss NONE = new FrameLoss(0, 0);

    /** The larger of each count: the later of two snapshots of one attempt's counters, whatever order they come in. */
    public FrameLoss latest(FrameLoss other) {
        return new FrameLoss(Math.max(dropped, other.dropped), Math.max(sourceSkipped, other.sourceSkipped));
    }
}
