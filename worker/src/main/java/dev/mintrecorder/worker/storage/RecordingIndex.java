package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import dev.mintrecorder.contracts.StatusEvent;
import dev.mintrecorder.contracts.Validation;
import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Keeps one recording's {@link Manifest} and rewrites {@code manifest.json} and {@code index.m3u8} (PUT, with retry)
 * each time a finished segment is stored ({@link #add}: once per segment, with what its writer reported). The
 * recording calls it from its controller thread; its methods are synchronized all the same, so PUTs are serialised
 * whoever calls.
 *
 * <p><b>Failed writes.</b> Every publish rewrites both files whole, so a publish that fails (S3 refused it even after
 * {@link S3Retry}'s retries) is repaired by the next one. A failed publish is therefore not fatal at once, but never
 * silent: it counts in {@code recorder.index.publish.failures} and is logged as an error naming the playlist. A
 * playlist that stays unwritable must not go unnoticed: viewers and the service would see a recording that stopped
 * growing while the worker keeps recording into it. So after {@value #MAX_FAILED_PUBLISHES_IN_A_ROW} failed
 * publishes in a row {@link #add} throws {@link PublishException}, and the recording fails with that error. The final
 * publish ({@link #end}) has no next one to repair it: its failure is counted and thrown at once.
 */
public final class RecordingIndex {
    private static final Logger log = LoggerFactory.getLogger(RecordingIndex.class);
    /** Failed publishes in a row after which {@link #add} fails the recording (see the class comment). */
    public static final int MAX_FAILED_PUBLISHES_IN_A_ROW = 3;

    private final S3Client s3;
    private final String bucket;
    private final String manifestKey;
    private final String playlistKey;
    private final S3Retry retry;
    private final Counter publishFailures;
    private Manifest manifest;
    private int failedInARow;
    /** The next new segment follows a resume: mark it as a discontinuity. */
    private boolean discontinuityPending;

    /** The playlist could not be written {@value #MAX_FAILED_PUBLISHES_IN_A_ROW} times in a row. */
    public static final class PublishException extends RuntimeException {
        PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** @param registry where failed index writes are counted (the worker's registry) */
    public RecordingIndex(S3Client s3, String bucket, MintId mint, UUID jobId, int segmentSeconds, S3Retry retry,
                          MeterRegistry registry) {
        this.s3 = s3;
        this.bucket = bucket;
        this.manifestKey = S3Keys.manifest(mint, jobId);
        this.playlistKey = S3Keys.playlist(mint, jobId);
        this.retry = retry;
        this.publishFailures = Metric.INDEX_PUBLISH_FAILURES.counter(registry);
        this.manifest = Manifest.start(mint.value(), jobId.toString(), segmentSeconds);
    }

    /** This attempt's frame loss as far as its indexed segments reach (its own counters, from 0). */
    private FrameLoss loss = FrameLoss.NONE;

    public synchronized Manifest manifest() {
        return manifest;
    }

    /**
     * Continues a recording another attempt started, from what S3 holds ({@link IndexRebuild}): its manifest (if it
     * wrote one), the complete segments it lacks, and the segments salvage completed; then a resume entry and a new
     * attempt, whose dropped frames count apart from the earlier attempts'. The next segment is marked as a
     * discontinuity. Publishes at once.
     *
     * @return the segment number this attempt starts at
     * @throws PublishException as {@link #add} does
     */
    public synchronized long resume(Salvage.Result salvage, String workerId) {
        Manifest m = salvage.manifest().orElse(manifest);
        if (m.startedAt() == null) {
            // A manifest written before it carried its start: the best known is when this attempt began.
            m = m.withStartedAt(manifest.startedAt());
        }
        IndexRebuild.Rebuilt rebuilt = IndexRebuild.merge(m, salvage, workerId, Instant.now());
        if (!rebuilt.missing().isEmpty()) {
            log.warn("{} listed segments {} that are not in S3: they are left out of the playlist", manifestKey,
                    rebuilt.missing());
        }
        if (!rebuilt.recovered().isEmpty()) {
            log.info("{} lacked complete segments {}: added from S3", manifestKey, rebuilt.recovered());
        }
        manifest = rebuilt.manifest();
        discontinuityPending = true;
        publish();
        return rebuilt.nextSequence();
    }

    /**
     * A finished segment is stored at {@code key} with checksum {@code crc32c}: it joins the manifest and the playlist, which are published. A
     * failed publish is counted and logged; the next one repairs it.
     *
     * @throws PublishException when this was the {@value #MAX_FAILED_PUBLISHES_IN_A_ROW}th failed publish in a row
     *         (the segment is in the manifest all the same, for the final publish)
     */
    public synchronized void add(String key, SegmentDone segment, String crc32c) {
        add(key, segment, crc32c, false);
    }

    /**
     * As {@link #add(String, SegmentDone, String)}, for a segment in the primary or, {@code inFallback}, in the fallback
     * store. A segment in the fallback store joins the manifest without a publish: the primary, where the index is,
     * kept failing, and the playlist would not change (it lists only the primary's segments). The next publish, once
     * the primary answers, writes it into the manifest with its store.
     */
    public synchronized void add(String key, SegmentDone segment, String crc32c, boolean inFallback) {
        boolean discontinuity = segment.discontinuity() || discontinuityPending;
        discontinuityPending = false;
        // The attempt's counters up to this segment's end; the latest, as uploads need not finish in order.
        loss = loss.latest(segment.loss());
        manifest = manifest.withFrameLoss(loss.dropped(), loss.sourceSkipped());
        manifest = manifest.withSegment(new Manifest.Segment(segment.sequence(), key, segment.durationSeconds(),
                segment.bytes(), discontinuity, false, false, segment.programDateTime(), crc32c,
                inFallback ? Manifest.Segment.FALLBACK : null));
        if (!inFallback) {
            publish();
        }
    }

    /**
     * Segment {@code seq}, added as in the fallback store, is in the primary now (copied back): its manifest entry
     * loses its store, and the live playlist lists it and the segments that waited behind it. Publishes.
     *
     * @throws PublishException as {@link #add} does
     */
    public synchronized void movedToPrimary(long seq) {
        manifest = manifest.movedToPrimary(seq);
        publish();
    }

    /**
     * A media gap before segment {@code beforeSeq}, from the last frame before it to the first after it on the wall
     * clock. Recorded with the next publish.
     */
    public synchronized void gap(long beforeSeq, long durationMs, Instant from, Instant to) {
        manifest = manifest.withGap(new Manifest.Gap(beforeSeq, durationMs, from, to));
    }

    /**
     * What the recording holds, as the manifest says now (after {@link #end}: as the final manifest.json says), for
     * the terminal status event. {@code attempts} is 1 + the resumes, capped at the contract's maximum.
     */
    public synchronized StatusEvent.Recording summary() {
        Manifest m = manifest;
        Instant started = m.startedAt();
        Instant ended = m.endedAt() != null ? m.endedAt() : Instant.now();
        return new StatusEvent.Recording(bucket, playlistKey, manifestKey, started, ended, m.totalSeconds(),
                m.segments().size(), m.totalBytes(), m.droppedFrames(), m.gaps().size(), m.totalGapMs(),
                m.resumes().size(), (int) Math.min(Validation.ATTEMPT_MAX, 1L + m.resumes().size()));
    }

    /**
     * Marks the recording finished and publishes the final playlist (with ENDLIST) and manifest.
     *
     * @throws RuntimeException when S3 still refuses after retries (counted): the recording's index is then stale
     */
    public synchronized void end(String reason) {
        end(reason, Optional.empty());
    }

    /**
     * As {@link #end(String)}; when the primary still refuses after the retries and a {@code fallback} store is
     * configured, the final manifest goes there instead, under the same key, so that every segment (each named with
     * its store) can be found. The playlist does not: it names objects beside it, and the fallback holds only some.
     * The playlist in the primary then stays as last published, without ENDLIST.
     *
     * @return the store that holds the final manifest
     * @throws RuntimeException when neither store took it (counted)
     */
    public synchronized StoreSelector.Store end(String reason, Optional<FallbackStore> fallback) {
        manifest = manifest.ended(reason);
        try {
            writeBoth();
            failedInARow = 0;
            return StoreSelector.Store.PRIMARY;
        } catch (RuntimeException e) {
            publishFailures.increment();
            if (fallback.isEmpty()) {
                throw e;
            }
            log.error("the final {} could not be written to the primary store ({}): writing it to the fallback "
                    + "store, bucket {}", manifestKey, e.toString(), fallback.get().bucket());
            try {
                put(fallback.get().client(), fallback.get().bucket(), manifestKey, manifest.toJson(),
                        "application/json", retry);
            } catch (RuntimeException f) {
                f.addSuppressed(e);
                throw f;
            }
            fallback.get().indexWritten();
            log.error("the final {} is in the fallback store, bucket {}, naming every segment and its store; the "
                    + "primary's {} stays without ENDLIST until an operator copies it back (FallbackRecovery, infra/README.md)",
                    manifestKey, fallback.get().bucket(), playlistKey);
            return StoreSelector.Store.FALLBACK;
        }
    }

    /** An intermediate publish: a failure is counted and logged, and thrown only when too many come in a row. */
    private void publish() {
        try {
            writeBoth();
            failedInARow = 0;
        } catch (RuntimeException e) {
            failedInARow++;
            publishFailures.increment();
            log.error("could not write {} and its manifest.json: failed publish {} in a row of {} allowed before "
                    + "the recording fails (the next publish rewrites both): {}", playlistKey, failedInARow,
                    MAX_FAILED_PUBLISHES_IN_A_ROW, e.toString());
            if (failedInARow >= MAX_FAILED_PUBLISHES_IN_A_ROW) {
                throw new PublishException("the playlist could not be written " + failedInARow
                        + " times in a row: " + e.getMessage(), e);
            }
        }
    }

    private void writeBoth() {
        write(s3, bucket, manifestKey, playlistKey, manifest, retry);
    }

    /**
     * Writes {@code manifest} and the playlist rendered from it, each through {@code retry}: manifest first, so a
     * playlist never names a segment the manifest lacks.
     */
    static void write(S3Client s3, String bucket, String manifestKey, String playlistKey, Manifest manifest,
                      S3Retry retry) {
        put(s3, bucket, manifestKey, manifest.toJson(), "application/json", retry);
        put(s3, bucket, playlistKey, Playlist.render(manifest).getBytes(StandardCharsets.UTF_8),
                "application/vnd.apple.mpegurl", retry);
    }

    private static void put(S3Client s3, String bucket, String key, byte[] body, String contentType, S3Retry retry) {
        retry.call(() -> s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType(contentType)
                .cacheControl("no-cache").build(), RequestBody.fromBytes(body)));
    }
}
