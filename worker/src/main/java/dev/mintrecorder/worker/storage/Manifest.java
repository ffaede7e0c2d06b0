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
 * @param droppedFrames frames lost before encoding (queue drops plus encoder skips), as last reported
 * @param ended whether the recording is finished (the playlist then carries ENDLIST)
 * @param startedAt when the recording's first attempt began (kept across resumes; absent in manifests written before
 *        it was added)
 * @param endedAt when the recording ended (set with {@code ended})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(int schema, String mintId, String jobId, int segmentSeconds, List<Segment> segments,
                       long droppedFrames, List<Gap> gaps, List<Resume> resumes, boolean ended, String endReason,
                       Instant startedAt, Instant endedAt) {
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
     */
    public record Segment(long seq, String key, double durationS, long bytes, boolean discontinuity,
                          boolean salvaged) {
    }

    /** Media stopped and came back; {@code beforeSeq} is the first segment after it. */
    public record Gap(long beforeSeq, long durationMs) {
    }

    /** Another worker took the job over; {@code fromSeq} is its first new segment. */
    public record Resume(long fromSeq, String workerId, Instant at, List<Long> salvagedSeqs) {
    }

    public Manifest {
        segments = List.copyOf(segments);
        gaps = List.copyOf(gaps);
        resumes = List.copyOf(resumes);
    }

    public static Manifest start(String mintId, String jobId, int segmentSeconds) {
        return start(mintId, jobId, segmentSeconds, Instant.now());
    }

    public static Manifest start(String mintId, String jobId, int segmentSeconds, Instant startedAt) {
        return new Manifest(SCHEMA, mintId, jobId, segmentSeconds, List.of(), 0, List.of(), List.of(), false, null,
                startedAt, null);
    }

    /** The start time, for a manifest that lacks one (written before it was added). */
    public Manifest withStartedAt(Instant at) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, gaps, resumes, ended,
                endReason, at, endedAt);
    }

    /** Adds (or replaces, by seq) a segment, keeping them in seq order. */
    public Manifest withSegment(Segment segment) {
        List<Segment> next = new ArrayList<>(segments.stream().filter(s -> s.seq() != segment.seq()).toList());
        next.add(segment);
        next.sort(Comparator.comparingLong(Segment::seq));
        return new Manifest(schema, mintId, jobId, segmentSeconds, next, droppedFrames, gaps, resumes, ended,
                endReason, startedAt, endedAt);
    }

    public Manifest withDroppedFrames(long dropped) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, dropped, gaps, resumes,
                ended, endReason, startedAt, endedAt);
    }

    public Manifest withGap(Gap gap) {
        List<Gap> next = new ArrayList<>(gaps);
        next.add(gap);
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, next, resumes,
                ended, endReason, startedAt, endedAt);
    }

    public Manifest withResume(Resume resume) {
        List<Resume> next = new ArrayList<>(resumes);
        next.add(resume);
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, gaps, next,
                ended, endReason, startedAt, endedAt);
    }

    public Manifest ended(String reason) {
        return ended(reason, Instant.now());
    }

    public Manifest ended(String reason, Instant at) {
        return new Manifest(schema, mintId, jobId, segmentSeconds, segments, droppedFrames, gaps, resumes, true, reason,
                startedAt, at);
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
