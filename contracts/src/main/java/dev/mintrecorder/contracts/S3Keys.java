package dev.mintrecorder.contracts;

import java.util.UUID;

/**
 * The object keys of a recording. Only validated types go in: a {@link MintId} (base58, so no '/', '.' or space) and
 * a {@link UUID} (hex and dashes), so no user-supplied string can reach a key.
 *
 * <pre>recordings/{mint_id}/{job_id}/seg_{seq:06d}.ts, index.m3u8, manifest.json</pre>
 */
public final class S3Keys {
    private S3Keys() {}

    /** Segments are numbered 0..999999 so that keys sort in order (over 23 days at the 2 s minimum). */
    public static final long MAX_SEQ = 999_999;

    public static String jobPrefix(MintId mint, UUID job) {
        return "recordings/" + Validation.required("mint_id", mint).value() + "/"
                + Validation.required("job_id", job) + "/";
    }

    public static String jobPrefix(RecordingJob job) {
        return jobPrefix(job.mintId(), job.jobId());
    }

    public static String segment(MintId mint, UUID job, long seq) {
        if (seq < 0 || seq > MAX_SEQ) {
            throw new IllegalArgumentException("segment seq " + seq + " is outside 0-" + MAX_SEQ);
        }
        return jobPrefix(mint, job) + String.format("seg_%06d.ts", seq);
    }

    public static String playlist(MintId mint, UUID job) {
        return jobPrefix(mint, job) + "index.m3u8";
    }

    public static String manifest(MintId mint, UUID job) {
        return jobPrefix(mint, job) + "manifest.json";
    }
}
