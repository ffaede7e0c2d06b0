package dev.mintrecorder.worker.media;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Gives each segment file its own stream. The segmenter writes the segment's bytes and closes the stream when the
 * segment ends; the storage sink turns that into one S3 multipart upload.
 */
@FunctionalInterface
public interface SegmentOutput {
    OutputStream open(long sequence) throws IOException;
}
