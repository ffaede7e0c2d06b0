package dev.mintrecorder.worker.storage;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * {@code index.m3u8}: an HLS EVENT playlist rendered from the manifest (pure, no I/O). Segments are listed by
 * their file name, relative to the playlist. {@code #EXT-X-DISCONTINUITY} precedes a segment that follows a gap,
 * a resume by another worker, or a missing sequence number; {@code #EXT-X-ENDLIST} closes a finished recording.
 * {@code #EXT-X-PROGRAM-DATE-TIME} gives each segment whose wall-clock time is known the time of its first frame.
 * {@code #EXT-X-INDEPENDENT-SEGMENTS} holds because every segment starts with an IDR frame (keyframes are forced every
 * 2 s and the muxer cuts only at keyframes; a salvaged segment is a prefix of such a segment). Version 3 covers
 * every tag used (decimal EXTINF).
 *
 * <p><b>Segments in the fallback store</b> are not beside the playlist, so it cannot name them. A live playlist only
 * ever appends (EVENT), so it stops before the first of them: the segments after it wait, in order, until the sink has
 * copied it back to the primary, exactly as the spool's backlog waits. A finished playlist (ENDLIST) lists every
 * segment in the primary: one still in the fallback then (the primary came back too late) is a missing sequence
 * number, marked as a discontinuity; the manifest names its store.
 */
public final class Playlist {
    /** ISO 8601 in UTC, to the millisecond (RFC 8216 4.3.2.6). */
    private static final DateTimeFormatter PROGRAM_DATE_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    private Playlist() {
    }

    public static String render(Manifest manifest) {
        List<Manifest.Segment> segments = listed(manifest);
        // Each EXTINF rounded must not exceed the target duration (RFC 8216 4.3.3.1).
        long target = Math.max(manifest.segmentSeconds(),
                segments.stream().mapToLong(s -> Math.round(s.durationS())).max().orElse(0));
        StringBuilder m3u8 = new StringBuilder(128 + segments.size() * 48)
                .append("#EXTM3U\n")
                .append("#EXT-X-VERSION:3\n")
                .append("#EXT-X-INDEPENDENT-SEGMENTS\n")
                .append("#EXT-X-PLAYLIST-TYPE:EVENT\n")
                .append("#EXT-X-TARGETDURATION:").append(target).append('\n')
                .append("#EXT-X-MEDIA-SEQUENCE:").append(segments.isEmpty() ? 0 : segments.getFirst().seq()).append('\n');
        Manifest.Segment previous = null;
        for (Manifest.Segment s : segments) {
            if (previous != null && (s.discontinuity() || s.seq() != previous.seq() + 1)) {
                m3u8.append("#EXT-X-DISCONTINUITY\n");
            }
            if (s.programDateTime() != null) {
                m3u8.append("#EXT-X-PROGRAM-DATE-TIME:").append(PROGRAM_DATE_TIME.format(s.programDateTime()))
                        .append('\n');
            }
            m3u8.append(String.format(Locale.ROOT, "#EXTINF:%.3f,\n", s.durationS()))
                    .append(fileName(s.key())).append('\n');
            previous = s;
        }
        if (manifest.ended()) {
            m3u8.append("#EXT-X-ENDLIST\n");
        }
        return m3u8.toString();
    }

    /** The segments the playlist names: see the class comment on the fallback store. */
    static List<Manifest.Segment> listed(Manifest manifest) {
        if (manifest.ended()) {
            return manifest.segments().stream().filter(s -> !s.inFallback()).toList();
        }
        return manifest.segments().stream().takeWhile(s -> !s.inFallback()).toList();
    }

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
