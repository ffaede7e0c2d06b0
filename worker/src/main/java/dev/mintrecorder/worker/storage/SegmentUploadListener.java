package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.media.SegmentDone;

/** Outcome of each segment's multipart upload. Called on an upload thread; implementations return fast. */
public interface SegmentUploadListener {
    /**
     * A finished segment is stored (its upload completed), with what its writer reported when it finished it. Once
     * per finished segment; a stream that was closed without being finished is not reported.
     *
     * @param crc32c the CRC32C of the segment's bytes, base64 ({@link Crc32c})
     */
    void uploaded(String key, SegmentDone segment, String crc32c);

    /**
     * As {@link #uploaded}, but the segment is in the fallback store, not the primary: the primary kept failing. Only
     * a sink given a {@link FallbackStore} calls it, so a listener of a sink without one need not know it.
     */
    default void uploadedToFallback(String key, SegmentDone segment, String crc32c) {
        throw new UnsupportedOperationException("this listener was given no fallback store, yet segment " + key
                + " went there");
    }

    /**
     * A segment reported with {@link #uploadedToFallback} is in the primary now: copied back, its CRC32C verified, and
     * deleted from the fallback. Called in sequence order.
     */
    default void copiedToPrimary(String key, SegmentDone segment, String crc32c) {
        throw new UnsupportedOperationException("this listener was given no fallback store, yet segment " + key
                + " came back from there");
    }

    /**
     * S3 could not take the finished segment in time and the spool could not keep it ({@code why}): it is lost, and
     * the recording has a hole of its duration.
     */
    void lost(SegmentDone segment, String key, String why);

    /** The upload was aborted after an unrecoverable or persistent failure; the segment is lost. */
    void failed(long sequence, String key, Exception error);
}
