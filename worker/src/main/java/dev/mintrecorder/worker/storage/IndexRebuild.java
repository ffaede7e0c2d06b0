package dev.mintrecorder.worker.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The index a resumed recording continues from, rebuilt from what S3 holds (pure, no I/O): the previous manifest, every
 * segment object in the bucket, and the segments salvage completed from open uploads ({@link Salvage.Result}).
 *
 * <ul>
 *   <li>A segment the manifest lists and S3 holds stays as the manifest describes it (its writer knew its duration).
 *       One the manifest lists but S3 does not hold is left out: a playlist must not name a missing object.</li>
 *   <li>A segment salvage completed joins as {@code salvaged}.</li>
 *   <li>A complete segment object the manifest does not list joins as {@code recovered}: its worker died after the
 *       upload completed and before the index was rewritten. Both take the duration read from their timestamps, or
 *       {@code segment_s} when it could not be read. One that was the first segment of an earlier resume is marked a
 *       discontinuity, as its attempt would have marked it.</li>
 *   <li>A resume entry names the salvaged and recovered segments, and a new attempt begins at
 *       {@code nextSequence}: the earlier attempts keep their dropped frames, and the new one counts its own.</li>
 * </ul>
 */
public final class IndexRebuild {
    private IndexRebuild() {
    }

    /**
     * @param manifest the rebuilt manifest, with the resume entry and the new attempt
     * @param salvaged the segments completed from open uploads that joined it
     * @param recovered the complete segments found in S3 that the previous manifest lacked
     * @param missing the segments the previous manifest listed that S3 does not hold (left out)
     * @param nextSequence the new attempt's first segment: one past the highest in S3
     */
    public record Rebuilt(Manifest manifest, List<Long> salvaged, List<Long> recovered, List<Long> missing,
                          long nextSequence) {
        public Rebuilt {
            salvaged = List.copyOf(salvaged);
            recovered = List.copyOf(recovered);
            missing = List.copyOf(missing);
        }
    }

    /**
     * @param previous the previous manifest (or, when the dead attempt wrote none, this attempt's fresh one)
     * @param s3 what salvage found and completed
     * @param workerId the resuming worker
     * @param at when this attempt began
     */
    public static Rebuilt merge(Manifest previous, Salvage.Result s3, String workerId, Instant at) {
        Map<Long, Salvage.Completed> stored = new TreeMap<>(s3.stored());
        s3.completed().forEach(stored::putIfAbsent); // completed just now: in S3 even if the listing missed it
        Set<Long> resumedAt = new HashSet<>();
        previous.resumes().forEach(r -> resumedAt.add(r.fromSeq()));

        TreeMap<Long, Manifest.Segment> segments = new TreeMap<>();
        List<Long> missing = new ArrayList<>();
        for (Manifest.Segment s : previous.segments()) {
            // A segment in the fallback store is not in this listing of the primary: kept as the manifest says.
            if (stored.containsKey(s.seq()) || s.inFallback()) {
                segments.put(s.seq(), s);
            } else {
                missing.add(s.seq());
            }
        }
        List<Long> salvaged = new ArrayList<>();
        List<Long> recovered = new ArrayList<>();
        for (Map.Entry<Long, Salvage.Completed> e : stored.entrySet()) {
            long seq = e.getKey();
            if (segments.containsKey(seq)) {
                continue;
            }
            Salvage.Completed c = e.getValue();
            boolean fromUpload = s3.completed().containsKey(seq);
            double duration = Double.isNaN(c.durationS()) ? previous.segmentSeconds() : c.durationS();
            segments.put(seq, new Manifest.Segment(seq, c.key(), duration, c.bytes(), resumedAt.contains(seq),
                    fromUpload, !fromUpload));
            (fromUpload ? salvaged : recovered).add(seq);
        }
        long next = Math.max(s3.nextSequence(), segments.isEmpty() ? 0 : segments.lastKey() + 1);
        // The attempt first: a manifest written before attempts existed infers them from its resumes.
        Manifest m = previous.withSegments(List.copyOf(segments.values()))
                .withAttempt(new Manifest.Attempt(next, at, 0))
                .withResume(new Manifest.Resume(next, workerId, at, salvaged, recovered));
        return new Rebuilt(m, salvaged, recovered, missing, next);
    }
}
