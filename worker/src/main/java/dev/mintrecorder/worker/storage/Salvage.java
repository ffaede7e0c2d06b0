package dev.mintrecorder.worker.storage;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListPartsRequest;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Object;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run by the worker that resumes a job, before it records: every multipart upload still open under the job's prefix
 * (a dead worker's segment) is completed with the parts already uploaded (a truncated TS segment still plays) or,
 * when it has none, aborted. Then it lists every segment object in the bucket, so that the index can be rebuilt from
 * what S3 holds ({@link IndexRebuild}): a complete segment the previous manifest does not list (its worker died
 * between the upload and the index write) has its duration read too. Numbering continues after the highest segment
 * in the bucket.
 */
public final class Salvage {
    private static final Logger log = LoggerFactory.getLogger(Salvage.class);
    private static final Pattern SEGMENT = Pattern.compile("seg_(\\d{6})\\.ts$");

    private Salvage() {
    }

    /**
     * A segment object.
     *
     * @param durationS the video duration read from the object; NaN if it could not be read, or was not read (a
     *        segment the manifest lists already)
     */
    public record Completed(String key, long bytes, double durationS) {
    }

    /**
     * @param completed segments completed from open uploads, by seq
     * @param aborted seqs of open uploads with no parts, aborted
     * @param nextSequence one past the highest segment in the bucket (0 if none)
     * @param manifest the previous worker's manifest.json, if it wrote one
     * @param stored every segment object in the bucket once the salvage is done (salvaged ones included), by seq;
     *        the duration is read for those neither the manifest lists nor the salvage completed
     */
    public record Result(Map<Long, Completed> completed, List<Long> aborted, long nextSequence,
                         Optional<Manifest> manifest, Map<Long, Completed> stored) {
    }

    public static Result run(S3Client s3, String bucket, String jobPrefix, String manifestKey, S3Retry retry) {
        Optional<Manifest> manifest = manifest(s3, bucket, manifestKey, retry);
        Map<Long, Completed> completed = new TreeMap<>();
        List<Long> aborted = new ArrayList<>();
        for (MultipartUpload upload : openUploads(s3, bucket, jobPrefix, retry)) {
            String key = upload.key();
            long seq = sequenceOf(key);
            List<Part> parts;
            try {
                parts = parts(s3, bucket, key, upload.uploadId(), retry);
                if (parts.isEmpty()) {
                    retry.call(() -> s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                            .bucket(bucket).key(key).uploadId(upload.uploadId()).build()));
                    if (seq >= 0) {
                        aborted.add(seq);
                    }
                    log.info("salvage: aborted empty upload of {}", key);
                    continue;
                }
                List<CompletedPart> done = parts.stream().map(p -> CompletedPart.builder().partNumber(p.partNumber())
                        .eTag(p.eTag()).checksumCRC32C(p.checksumCRC32C()).checksumCRC32(p.checksumCRC32()).build())
                        .toList();
                retry.call(() -> s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                        .bucket(bucket).key(key).uploadId(upload.uploadId())
                        .multipartUpload(CompletedMultipartUpload.builder().parts(done).build()).build()));
            } catch (NoSuchUploadException e) {
                // Gone since the listing: an upload janitor aborted it, or its own worker settled it at last.
                log.info("salvage: the upload of {} is gone already", key);
                continue;
            }
            long bytes = parts.stream().mapToLong(Part::size).sum();
            double duration = duration(s3, bucket, key);
            if (seq >= 0) {
                completed.put(seq, new Completed(key, bytes, duration));
            }
            log.info("salvage: completed {} from {} part(s), {} bytes, {} s", key, parts.size(), bytes, duration);
        }
        Set<Long> listed = new HashSet<>();
        manifest.ifPresent(m -> m.segments().forEach(s -> listed.add(s.seq())));
        Map<Long, Completed> stored = new TreeMap<>();
        long highest = -1;
        for (S3Object o : retry.call(() -> s3.listObjectsV2Paginator(ListObjectsV2Request.builder()
                .bucket(bucket).prefix(jobPrefix).build()).contents().stream().toList())) {
            long seq = sequenceOf(o.key());
            if (seq < 0) {
                continue;
            }
            highest = Math.max(highest, seq);
            Completed salvaged = completed.get(seq);
            if (salvaged != null) {
                stored.put(seq, salvaged);
            } else if (listed.contains(seq)) {
                stored.put(seq, new Completed(o.key(), o.size(), Double.NaN));
            } else {
                double duration = duration(s3, bucket, o.key());
                stored.put(seq, new Completed(o.key(), o.size(), duration));
                log.info("salvage: found {} ({} bytes, {} s), complete in S3 but not in the manifest", o.key(),
                        o.size(), duration);
            }
        }
        return new Result(completed, aborted, highest + 1, manifest, stored);
    }

    private static List<MultipartUpload> openUploads(S3Client s3, String bucket, String prefix, S3Retry retry) {
        return retry.call(() -> s3.listMultipartUploadsPaginator(ListMultipartUploadsRequest.builder()
                .bucket(bucket).prefix(prefix).build()).uploads().stream().toList());
    }

    private static List<Part> parts(S3Client s3, String bucket, String key, String uploadId, S3Retry retry) {
        return retry.call(() -> s3.listPartsPaginator(ListPartsRequest.builder()
                .bucket(bucket).key(key).uploadId(uploadId).build()).parts().stream().toList());
    }

    private static Optional<Manifest> manifest(S3Client s3, String bucket, String key, S3Retry retry) {
        try {
            retry.call(() -> s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            if (e instanceof software.amazon.awssdk.services.s3.model.S3Exception s && s.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        byte[] json = retry.call(() -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key).build())
                .asByteArray());
        return Optional.of(Manifest.fromJson(json));
    }

    /** Streams the object through {@link TsDuration}; a failure only costs the duration (NaN), not the salvage. */
    private static double duration(S3Client s3, String bucket, String key) {
        try (InputStream in = s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build())) {
            return TsDuration.of(in);
        } catch (IOException | SdkException e) {
            log.warn("salvage: could not read the duration of {}: {}", key, e.toString());
            return Double.NaN;
        }
    }

    /** The seq in {@code .../seg_000042.ts}, or -1 for any other key. */
    static long sequenceOf(String key) {
        Matcher m = SEGMENT.matcher(key);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
