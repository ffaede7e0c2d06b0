package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.worker.media.SegmentDone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Keeps one recording's {@link Manifest} and rewrites {@code manifest.json} and {@code index.m3u8} (PUT, with retry)
 * each time a finished segment is stored ({@link #add}: once per segment, with what its writer reported). The
 * recording calls it from its controller thread; its methods are synchronized all the same, so PUTs are serialised
 * whoever calls.
 */
public final class RecordingIndex {
    private static final Logger log = LoggerFactory.getLogger(RecordingIndex.class);
    private final S3Client s3;
    private final String bucket;
    private final String manifestKey;
    private final String playlistKey;
    private final S3Retry retry;
    private Manifest manifest;
    private RuntimeException lastPublishError;
    /** The next new segment follows a resume: mark it as a discontinuity. */
    private boolean discontinuityPending;

    public RecordingIndex(S3Client s3, String bucket, MintId mint, UUID jobId, int segmentSeconds, S3Retry retry) {
        this.s3 = s3;
        this.bucket = bucket;
        this.manifestKey = S3Keys.manifest(mint, jobId);
        this.playlistKey = S3Keys.playlist(mint, jobId);
        this.retry = retry;
        this.manifest = Manifest.start(mint.value(), jobId.toString(), segmentSeconds);
    }

    public synchronized Manifest manifest() {
        return manifest;
    }

    /**
     * Continues a recording another worker started: its manifest (if it wrote one) plus the segments salvage
     * completed, then a resume entry. The next segment is marked as a discontinuity. Publishes at once.
     */
    public synchronized void resume(Salvage.Result salvage, String workerId) {
        Manifest m = salvage.manifest().orElse(manifest);
        for (Map.Entry<Long, Salvage.Completed> e : salvage.completed().entrySet()) {
            Salvage.Completed c = e.getValue();
            double duration = Double.isNaN(c.durationS()) ? m.segmentSeconds() : c.durationS();
            m = m.withSegment(new Manifest.Segment(e.getKey(), c.key(), duration, c.bytes(), false, true));
        }
        manifest = m.withResume(new Manifest.Resume(salvage.nextSequence(), workerId, Instant.now(),
                List.copyOf(salvage.completed().keySet())));
        discontinuityPending = true;
        publish();
    }

    /** A finished segment is stored at {@code key}: it joins the manifest and the playlist, which are published. */
    public synchronized void add(String key, SegmentDone segment) {
        boolean discontinuity = segment.discontinuity() || discontinuityPending;
        discontinuityPending = false;
        manifest = manifest.withSegment(new Manifest.Segment(segment.sequence(), key, segment.durationSeconds(),
                segment.bytes(), discontinuity, false));
        publish();
    }

    /** A media gap before segment {@code beforeSeq}. Recorded with the next publish. */
    public synchronized void gap(long beforeSeq, long durationMs) {
        manifest = manifest.withGap(new Manifest.Gap(beforeSeq, durationMs));
    }

    /** Recorded with the next publish. */
    public synchronized void droppedFrames(long dropped) {
        manifest = manifest.withDroppedFrames(dropped);
    }

    /**
     * Marks the recording finished and publishes the final playlist (with ENDLIST) and manifest.
     *
     * @throws RuntimeException when S3 still refuses after retries: the recording's index is then stale
     */
    public synchronized void end(String reason) {
        manifest = manifest.ended(reason);
        writeBoth();
        lastPublishError = null;
    }

    /** The error of the last failed intermediate publish, or null if the last one succeeded. */
    public synchronized RuntimeException lastPublishError() {
        return lastPublishError;
    }

    /**
     * Intermediate publishes do not throw: each one rewrites the whole state, so the next success repairs a
     * failed one. The error is kept for the session to check ({@link #lastPublishError()}).
     */
    private void publish() {
        try {
            writeBoth();
            lastPublishError = null;
        } catch (RuntimeException e) {
            lastPublishError = e;
            log.warn("could not publish {} (the next segment retries): {}", playlistKey, e.toString());
        }
    }

    /** Manifest first, so a playlist never names a segment the manifest lacks. */
    private void writeBoth() {
        put(manifestKey, manifest.toJson(), "application/json");
        put(playlistKey, Playlist.render(manifest).getBytes(StandardCharsets.UTF_8), "application/vnd.apple.mpegurl");
    }

    private void put(String key, byte[] body, String contentType) {
        retry.call(() -> s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                .cacheControl("no-cache").build(), RequestBody.fromBytes(body)));
    }
}
