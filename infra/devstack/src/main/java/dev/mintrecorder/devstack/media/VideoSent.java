package dev.mintrecorder.devstack.media;

/**
 * What one subscriber peer connection's video sender did with its frames, reported when the connection closes. The
 * devstack relays an external publisher by decoding and re-encoding it per subscriber (livekit-server forwards RTP),
 * so a frame given to a source that was never encoded is a gap the devstack made, not the publisher or the recorder.
 * Frames given before the sender's encoder attaches count as skipped too (2-3 per connection measured), so
 * {@link #skipped()} bounds the gaps from above.
 *
 * @param room the room
 * @param identity the subscribing participant
 * @param pc the media process's id of the connection
 * @param givenFrames video frames the devstack handed to the connection's sources
 * @param sourceFrames those libwebrtc counted as coming from the sources (media-source stats)
 * @param encodedFrames frames its encoders produced
 * @param sentFrames frames it sent
 */
public record VideoSent(String room, String identity, String pc, long givenFrames, long sourceFrames,
                        long encodedFrames, long sentFrames) {
    /** Frames given to the sources that were never encoded (libwebrtc's source adapter or its encoder skipped them). */
    public long skipped() {
        return Math.max(0, givenFrames - encodedFrames);
    }
}
