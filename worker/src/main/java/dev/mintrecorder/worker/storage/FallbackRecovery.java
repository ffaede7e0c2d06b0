package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.S3Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The operator's copy-back of a recording that ended while its primary store was down: the job FAILED with STORAGE,
 * its final manifest went to the fallback store, and no worker copies it back (a worker copies back only the segments
 * of recordings it is running, or resuming).
 *
 * <pre>java -cp mint-recorder-worker.jar dev.mintrecorder.worker.storage.FallbackRecovery MINT_ID JOB_ID</pre>
 *
 * runs with the worker's {@code S3_*} and {@code S3_FALLBACK_*} environment; each call goes through the worker's
 * storage retry ({@code S3_RETRY_*}). The manifest is the fallback's when it holds one (the final one), else the
 * primary's; it must be ended, since a recording still running (or resumed) copies its own segments back and rewrites
 * its own manifest. Each segment it names in the fallback is read there, checked against the manifest's byte count
 * and CRC32C, and put to the primary with that CRC32C, which the primary verifies. Then the
 * manifest (each copied segment without its {@code store}) and the playlist rendered from it are written to the
 * primary, manifest first, and only then are the copied segments and the manifest deleted from the fallback. A segment
 * that fails its check stays in the fallback, where the primary's manifest names it. Running it again is safe: a
 * segment already gone from the fallback counts when the primary holds it intact.
 *
 * <p>Exit status: 0 when every segment is in the primary, 1 when some stay in the fallback, 2 on a usage or
 * configuration error or a recording that has not ended, 3 when a store failed or refused mid-way (run it again once
 * both answer: nothing was deleted that the primary does not hold).
 */
public final class FallbackRecovery {
    private static final Logger log = LoggerFactory.getLogger(FallbackRecovery.class);

    /**
     * What one run did.
     *
     * @param manifest the manifest now in the primary
     * @param copied the segments it copied from the fallback to the primary
     * @param alreadyInPrimary segments the fallback no longer held and the primary holds intact (an earlier run's)
     * @param left the segments that stay in the fallback, with the reason
     */
    public record Result(Manifest manifest, List<Long> copied, List<Long> alreadyInPrimary, Map<Long, String> left) {
        public boolean complete() {
            return left.isEmpty();
        }
    }

    private final S3Client primary;
    private final String primaryBucket;
    private final S3Client fallback;
    private final String fallbackBucket;
    private final S3Retry retry;

    /** @param retry the storage retry for every call (a 404 is an answer, not retried) */
    public FallbackRecovery(S3Client primary, String primaryBucket, S3Client fallback, String fallbackBucket,
                            S3Retry retry) {
        this.primary = primary;
        this.primaryBucket = primaryBucket;
        this.fallback = fallback;
        this.fallbackBucket = fallbackBucket;
        this.retry = retry;
    }

    /**
     * Copies the recording's fallback segments back and publishes its manifest and playlist in the primary.
     *
     * @throws IllegalArgumentException when neither store holds the recording's manifest, or it has not ended
     */
    public Result recover(MintId mint, UUID job) {
        String manifestKey = S3Keys.manifest(mint, job);
        Optional<byte[]> fallbackManifest = get(fallback, fallbackBucket, manifestKey);
        Manifest manifest = fallbackManifest.or(() -> get(primary, primaryBucket, manifestKey)).map(Manifest::fromJson)
                .orElseThrow(() -> new IllegalArgumentException("neither store holds " + manifestKey));
        if (!manifest.ended()) {
            throw new IllegalArgumentException(manifestKey + " is not ended: the recording is still running or will "
                    + "be resumed, and its worker copies its segments back itself");
        }
        List<Long> copied = new ArrayList<>();
        List<String> toDelete = new ArrayList<>();
        List<Long> already = new ArrayList<>();
        Map<Long, String> left = new TreeMap<>();
        for (Manifest.Segment s : manifest.segments().stream().filter(Manifest.Segment::inFallback).toList()) {
            Optional<byte[]> data = get(fallback, fallbackBucket, s.key());
            if (data.isPresent()) {
                Optional<String> bad = FallbackCopies.mismatch(s.bytes(), s.crc32c(), data.get());
                if (bad.isPresent()) {
                    left.put(s.seq(), "the fallback's copy " + bad.get());
                    continue;
                }
                byte[] bytes = data.get();
                retry.call(() -> MultipartSegmentSink.put(primary, primaryBucket, s.key(),
                        Crc32c.of(bytes, 0, bytes.length), RequestBody.fromBytes(bytes)));
                copied.add(s.seq());
                toDelete.add(s.key());
            } else {
                Optional<String> bad = get(primary, primaryBucket, s.key())
                        .map(d -> FallbackCopies.mismatch(s.bytes(), s.crc32c(), d).map(why -> "the primary's copy " + why))
                        .orElse(Optional.of("neither store holds it"));
                if (bad.isPresent()) {
                    left.put(s.seq(), bad.get());
                    continue;
                }
                already.add(s.seq());
            }
            manifest = manifest.movedToPrimary(s.seq());
        }
        RecordingIndex.write(primary, primaryBucket, manifestKey, S3Keys.playlist(mint, job), manifest, retry);
        for (String key : toDelete) {
            retry.call(() -> fallback.deleteObject(r -> r.bucket(fallbackBucket).key(key)));
        }
        if (fallbackManifest.isPresent()) { // the primary's names each segment's store now
            retry.call(() -> fallback.deleteObject(r -> r.bucket(fallbackBucket).key(manifestKey)));
        }
        return new Result(manifest, List.copyOf(copied), List.copyOf(already), Collections.unmodifiableMap(left));
    }

    private Optional<byte[]> get(S3Client s3, String bucket, String key) {
        try {
            return Optional.of(retry.call(() -> s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) { // NoSuchKey, or a bare 404 from a store that sends no error body
                return Optional.empty();
            }
            throw e;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    private static int run(String[] args) {
        if (args.length != 2) {
            log.error("usage: FallbackRecovery MINT_ID JOB_ID (with the worker's S3_* and S3_FALLBACK_* environment)");
            return 2;
        }
        MintId mint;
        UUID job;
        StorageConfig config;
        UploadConfig upload;
        try {
            mint = MintId.of(args[0]);
            job = UUID.fromString(args[1]);
            config = StorageConfig.from(System.getenv());
            upload = UploadConfig.from(System.getenv());
        } catch (RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            return 2;
        }
        if (config.fallback().isEmpty()) {
            log.error("S3_FALLBACK_BUCKET is not set: there is no fallback store to copy back from");
            return 2;
        }
        StorageConfig fb = config.fallback().get().store();
        if (fb.endpoint().equals(config.endpoint()) && fb.bucket().equals(config.bucket())) {
            log.error("the fallback store is the primary (endpoint '{}', bucket {}): nothing to copy", fb.endpoint(),
                    fb.bucket());
            return 2;
        }
        try (S3Client primary = S3Clients.create(config); S3Client fallback = S3Clients.create(fb)) {
            S3Retry retry = new S3Retry("fallback-recovery", upload, new SimpleMeterRegistry());
            Result r = new FallbackRecovery(primary, config.bucket(), fallback, fb.bucket(), retry).recover(mint, job);
            log.info("recording {}/{}: copied {} segment(s) back to bucket {} (CRC32C verified), {} were there "
                    + "already; manifest and playlist written", mint, job, r.copied().size(), config.bucket(),
                    r.alreadyInPrimary().size());
            r.left().forEach((seq, why) -> log.error("segment {} is not in the primary store, and the manifest "
                    + "there names the fallback (bucket {}) for it: {}", seq, fb.bucket(), why));
            return r.complete() ? 0 : 1;
        } catch (IllegalArgumentException e) {
            log.error("{}", e.getMessage());
            return 2;
        } catch (SdkException | UncheckedIOException e) {
            log.error("recording {}/{}: could not finish ({}); run it again once both stores answer: nothing was "
                    + "deleted from the fallback that the primary does not hold", mint, job, e.toString());
            return 3;
        }
    }
}
