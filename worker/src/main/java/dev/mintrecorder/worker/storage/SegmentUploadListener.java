package dev.mintrecorder.worker.storage;

/** Outcome of each segment's multipart upload. Called on an upload thread; implementations return fast. */
public interface SegmentUploadListener {
    void uploaded(long sequence, String key, long bytes);

    /** The upload was aborted after an unrecoverable or persistent failure; the segment is lost. */
    void failed(long sequence, String key, Exception error);
}
