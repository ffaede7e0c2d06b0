package dev.mintrecorder.worker.media;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Gives each segment file its own stream. The segmenter writes the segment's bytes, then ends the stream once with
 * {@link Segment#finish(SegmentDone)}, handing over what it knows about the segment; the storage sink turns the stream
 * into one S3 multipart upload and reports the finished segment once it is stored.
 */
@FunctionalInterface
public interface SegmentOutput {
    Segment open(long sequence) throws IOException;

    /**
     * One segment's stream. {@link #finish} ends a complete segment; a plain {@link #close()} (a run that fails
     * mid-segment) ends the stream without reporting the segment.
     */
    abstract class Segment extends OutputStream {
        /** Ends the segment (closes the stream) and reports it as {@code done}. At most once; not after close(). */
        public abstract void finish(SegmentDone done) throws IOException;
    }
}
