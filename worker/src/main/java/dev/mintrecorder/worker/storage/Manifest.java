package dev.mintrecorder.worker.storage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code manifest.json}: what a recording holds. Pure and immutable: every change returns a new manifest.
 *
 * @param droppedFrames frame numbers missing between two frames of a run because the worker dropped them (video queue
 *        drops plus encoder thinning) in the whole recording: the sum of {@code attempts}' figures (in a manifest
 *        written before {@code attempts} existed: the last attempt's, then counted as every drop of the attempt)
 * @param sourceSkippedFrames frame numbers missing between two frames of a run because the source never sent them,
 *        inferred from the frame timestamps' steps (exact for a constant frame rate, an estimate otherwise): the sum
 *        of {@code attempts}' figures (0 in manifests written before it was added)
 * @param ended whether the recording is finished (the playlist then carries ENDLIST)
 * @param startedAt when the recording's first attempt began (kept across resumes; absent in manifests written before
 *        it was added)
 * @param endedAt when the recording ended (set with {@code ended})
 * @param attempts each attempt that recorded into this manifest, in order: the first, then one per resume (empty in
 *        manifests written before it was added)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(int schema, String mintId, String jobId, int segmentSeconds, List<Segment> segments,
                       long droppedFrames, long sourceSkippedFrames, List<Gap> gaps, List<Resume> resumes,
                       boolean ended, String endReason, Instant startedAt, Instant endedAt, List<Attempt> attempts) {
    public static final int SCHEMA = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param discontinuity the segment starts after a gap or a resume (the playlist marks it)
     * @param salvaged completed from a dead worker's upload; its duration is read from its timestamps (segment_s
     *        if they could not be read)
     * @param recovered a complete segment object found in S3 on resume that the manifest did not list (a worker died
     *        between the segment's upload and the index write); its duration is read from its timestamps like a
     *        salvaged one's
     * @param programDateTime the wall-clock time of its first frame (its {@code EXT-X-PROGRAM-DATE-TIME}); absent when
     *        unknown (salvaged or recovered segments, manifests written before it was added)
     * @param crc32c the CRC32C of the object's bytes, base64 as S3 writes it (absent for segments completed or found
     *        on resume, whose bytes no writer saw); {@code durationS} is kept to milliseconds
     * @param store {@value #FALLBACK} when the object is in the fallback store (the same key in
     *        {@code S3_FALLBACK_BUCKET}), because the primary kept failing; absent: in the primary
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Segment(long seq, String key, double durationS, long bytes, boolean discontinuity,
                          boolean salvaged, boolean recovered, Instant programDateTime, String crc32c, String store) {
        /** The {@code store} of a segment in the fallback store. */
        public static final String FALLBACK = "fallback";

        public Segment {
            durationS = Math.round(durationS * 1000) / 1000.0;
            if (store != null && !store.equals(FALLBACK)) {
                throw new IllegalArgumentException("unknown store: " + store);
            }
        }

        /** A segment in the primary store. */
        public Segment(long seq, String key, double durationS, long bytes, boolean discontinuity, boolean salvaged,
                       boolean recovered, Instant programDateTime, String crc32c) {
            this(seq, key, durationS, bytes, discontinuity, salvaged, recovered, programDateTime, crc32c, null);
        }

        /** Whether the object is in the fallback store, not the primary. */
        public boolean inFallback() {
            return FALLBACK.equals(store);
        }

        /** A segment whose wall-clock time and checksum are unknown. */
        public Segment(long seq, String key, double durationS, long bytes, boolean discontinuity, boolean salvaged,
                       boolean recovered) {
            this(seq, key, durationS, bytes, discontinuity, salvaged, recovered, null, null);
        }

        /** A segment that was not recovered on resume, its wall-clock time and checksum unknown. */
        public Segment(long seq, String key, double durationS, long bytes, boolean discontinuity, boolean salvaged) {
            this(seq, key, durationS, bytes, discontinuity, salvaged, false);
        }
    }

    /**
     * Media stopped and came back; {@code beforeSeq} is the first segment after it.
     *
     * @param from the wall-clock time of the last frame before the gap (absent in manifests written before it was
     *        added)
     * @param to the wall-clock time of the first frame after it: {@code beforeSeq}'s program date-time
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Gap(long beforeSeq, long durationMs, Instant from, Instant to) {
        public Gap(long beforeSeq, long durationMs) {
            this(beforeSeq, durationMs, null, null);
        }
    }

    /**
     * Another worker took the job over; {@code fromSeq} is its first new segment.
     *
     * @param salvagedSeqs the segments it completed from the dead worker's open uploads
     * @param recoveredSeqs the complete segments it found in S3 that the manifest did not list (empty in manifests
     *        written before it was added)
     */
    public record Resume(long fromSeq, String workerId, Instant at, List<Long> salvagedSeqs,
                         List<Long> recoveredSeqs) {
        public Resume {
            salvagedSeqs = salvagedSeqs == null ? List.of() : List.copyOf(salvagedSeqs);
            recoveredSeqs = recoveredSeqs == null ? List.of() : List.copyOf(recoveredSeqs);
        }

        public Resume(long fromSeq, String workerId, Instant at, List<Long> salvagedSeqs) {
            this(fromSeq, workerId, at, salvagedSeqs, List.of());
        }
    }

    /**
     * One attempt that recorded into the manifest: the first, or a resume.
     *
     * @param fromSeq its first segment number
     * @param startedAt when it began (absent for the first attempt of a manifest without {@code started_at})
     * @param droppedFrames the frame numbers it dropped between two frames of a run, up to the last frame of the last
     *        segment it indexed (a dead attempt's figures for segments it never indexed are lost with it)
     * @param sourceSkippedFrames likewise, the frame numbers the source never sent (0 when written before it was added)
     */
    public record Attempt(long fromSeq, Instant startedAt, long droppedFrames, long sourceSkippedFrames) {
        /** An attempt whose source skipped nothing (or whose manifest predates the count). */
        public Attempt(long fromSeq, Instant startedAt, long droppedFrames) {
            this(fromSeq, startedAt, droppedFrames, 0);
        }
    }

    public Manifest {
        segments = List.copyOf(segments);
        gaps = List.copyOf(gaps);
        resumes = List.copyOf(resumes);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        if (!attempts.isEmpty()) {
            droppedFrames = attempts.stream().mapToLong(Attempt::droppedFrames).sum();
            sourceSkippedFrames = attempts.stream().mapToLong(Attempt::sourceSkippedFrames).sum();
        }
    }

    public static Manifest start(String mintId, String jobId, int segmentSeconds) {
        return start(mintId, jobId, segmentSeconds, Instant.now());
    }

    public static Manifest start(String mintId, String jobId, int segmentSeconds, Instant startedAt) {
        return new Manifest(SCHEMA, mintId, jobId, segmentSeconds, List.of(), 0, 0, List.of(), List.of(), false, null,
                startedAt, null, List.of(new Attempt(0, startedAt, 0)));
    }

    /** The start time, for a manifest that lacks one (written before it was added). */
    public Manifest withStartedAt(Instant at) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, sourceSkippedFrames, gaps,
                resumes, ended, endReason, at, endedAt, attempts);
    }

    /** Adds (or replaces, by seq) a segment, keeping them in seq order. */
    public Manifest withSegment(Segment segment) {
        List<Segment> next = new ArrayList<>(segments.stream().filter(s -> s.seq() != segment.seq()).toList());
        next.add(segment);
        next.sort(Comparator.comparingLong(Segment::seq));
        return withSegments(next);
    }

    /**
     * Segment {@code seq}, which was in the fallback store, is in the primary now (copied back): it loses its
     * {@code store}. Unchanged when no such segment is listed.
     */
    public Manifest movedToPrimary(long seq) {
        return withSegments(segments.stream().map(s -> s.seq() != seq || !s.inFallback() ? s
                : new Segment(s.seq(), s.key(), s.durationS(), s.bytes(), s.discontinuity(), s.salvaged(),
                        s.recovered(), s.programDateTime(), s.crc32c(), null)).toList());
    }

    /** The segments replaced by {@code next} (in seq order). */
    Manifest withSegments(List<Segment> next) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, next, droppedFrames, sourceSkippedFrames, gaps,
                resumes, ended, endReason, startedAt, endedAt, attempts);
    }

    /**
     * The current (last) attempt's missing frame numbers so far, by cause; the top-level figures become the sums over
     * the attempts. A manifest without attempts (written before they were added) takes them as its totals.
     */
    public Manifest withFrameLoss(long dropped, long sourceSkipped) {
        if (attempts.isEmpty()) {
            return new Manifest(schema, mintId, jobId, segmentSeconds, segments, dropped, sourceSkipped, gaps, resumes,
                    ended, endReason, startedAt, endedAt, attempts);
        }
        List<Attempt> next = new ArrayList<>(attempts);
        Attempt current = next.removeLast();
        next.add(new Attempt(current.fromSeq(), current.startedAt(), dropped, sourceSkipped));
        return withAttempts(next);
    }

    /** Another attempt begins (a resume): later {@link #withFrameLoss} figures are its own. */
    public Manifest withAttempt(Attempt attempt) {
        List<Attempt> next = new ArrayList<>(attemptsOrInferred());
        next.add(attempt);
        return withAttempts(next);
    }

    /**
     * The attempts, or for a manifest written before they were added, the ones its resumes imply, with its
     * {@code dropped_frames} on the last (such a manifest held the last attempt's counters).
     */
    List<Attempt> attemptsOrInferred() {
        if (!attempts.isEmpty()) {
            return attempts;
        }
        List<Attempt> inferred = new ArrayList<>();
        inferred.add(new Attempt(0, startedAt, 0));
        for (Resume r : resumes) {
            inferred.add(new Attempt(r.fromSeq(), r.at(), 0));
        }
        Attempt last = inferred.removeLast();
        inferred.add(new Attempt(last.fromSeq(), last.startedAt(), droppedFrames, sourceSkippedFrames));
        return inferred;
    }

    private Manifest withAttempts(List<Attempt> next) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, sourceSkippedFrames, gaps,
                resumes, ended, endReason, startedAt, endedAt, next);
    }

    public Manifest withGap(Gap gap) {
        List<Gap> next = new ArrayList<>(gaps);
        next.add(gap);
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, sourceSkippedFrames, next,
                resumes, ended, endReason, startedAt, endedAt, attempts);
    }

    public Manifest withResume(Resume resume) {
        List<Resume> next = new ArrayList<>(resumes);
        next.add(resume);
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, sourceSkippedFrames, gaps,
                next, ended, endReason, startedAt, endedAt, attempts);
    }

    public Manifest ended(String reason) {
        return ended(reason, Instant.now());
    }

    public Manifest ended(String reason, Instant at) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, sourceSkippedFrames, gaps,
                resumes, true, reason, startedAt, at, attempts);
    }

    public long totalGapMs() {
        return gaps.stream().mapToLong(Gap::durationMs).sum();
    }

    public long totalBytes() {
        return segments.stream().mapToLong(Segment::bytes).sum();
    }

    public double totalSeconds() {
        return segments.stream().mapToDouble(Segment::durationS).sum();
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Manifest fromJson(byte[] json) {
        try {
            return JSON.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("manifest.json is unreadable", e);
        }
    }
}
