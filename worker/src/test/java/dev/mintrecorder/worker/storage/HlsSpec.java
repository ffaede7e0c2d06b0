package dev.mintrecorder.worker.storage;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TEST ONLY: checks a media playlist against the RFC 8216 rules that apply to the recorder's playlists, and returns
 * every violation (empty when it conforms). {@code media.Probe#decodeErrors} runs it on every playlist an integration
 * test decodes; the storage ITs run it on the playlists they read back.
 *
 * <ul>
 *   <li>{@code #EXTM3U} first; each playlist-wide tag at most once and before the first segment (4.3.3, 4.3.5);</li>
 *   <li>{@code EXT-X-TARGETDURATION} present and at least every EXTINF rounded to the nearest integer (4.3.3.1);</li>
 *   <li>{@code EXT-X-MEDIA-SEQUENCE} before the first segment (4.3.3.2); with {@code seg_N.ts} names, the first N is
 *       the media sequence, and a segment whose N does not follow the previous one is a discontinuity;</li>
 *   <li>{@code EXT-X-DISCONTINUITY} only before a segment, never before the first or twice for one (4.3.2.3);</li>
 *   <li>{@code EXT-X-PROGRAM-DATE-TIME} a valid date-time; within a discontinuity run increasing, and each one where
 *       the previous one plus the EXTINFs between puts it (within {@link #PDT_TOLERANCE}); once the playlist uses it,
 *       the first segment of every run carries one (4.3.2.6);</li>
 *   <li>{@code EXT-X-ENDLIST} last, present exactly when the recording is in a terminal state (4.3.3.4);</li>
 *   <li>{@code EXT-X-VERSION} at least what the tags used need (decimal EXTINF: 3; BYTERANGE, I-FRAMES-ONLY: 4;
 *       MAP: 6) (7);</li>
 *   <li>{@code EXT-X-INDEPENDENT-SEGMENTS} present exactly when every segment starts with an IDR frame, where the
 *       segments' bytes are at hand (4.3.5.1).</li>
 * </ul>
 */
public final class HlsSpec {
    /** How far a program date-time may be from where the one before it and the durations between put it. */
    static final Duration PDT_TOLERANCE = Duration.ofMillis(500);
    private static final Set<String> ONCE = Set.of("#EXT-X-VERSION", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE",
            "#EXT-X-PLAYLIST-TYPE", "#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-DISCONTINUITY-SEQUENCE");
    private static final Pattern EXTINF = Pattern.compile("#EXTINF:([0-9]+(?:\\.[0-9]+)?),.*");
    private static final Pattern SEGMENT_NUMBER = Pattern.compile("seg_([0-9]+)\\.ts");

    private HlsSpec() {
    }

    /** The violations of a playlist whose segments' bytes are not at hand (independence is not checked). */
    public static List<String> violations(String playlist, boolean terminal) {
        return violations(playlist, terminal, uri -> Optional.empty());
    }

    /**
     * @param terminal whether the recording has ended (ENDLIST must then close the playlist, and only then)
     * @param segments a segment's bytes by its URI, where at hand
     */
    public static List<String> violations(String playlist, boolean terminal, Function<String, Optional<byte[]>> segments) {
        List<String> v = new ArrayList<>();
        List<String> lines = playlist.lines().toList();
        if (lines.isEmpty() || !lines.getFirst().equals("#EXTM3U")) {
            v.add("the first line is not #EXTM3U");
        }
        Set<String> seen = new HashSet<>();
        Long target = null;
        Long mediaSequence = null;
        int version = 1;
        int versionNeeded = 1;
        boolean independentTag = false;
        boolean endlist = false;
        int segmentIndex = 0;
        // Per segment: the tags that apply to the next URI.
        Double extinf = null;
        boolean discontinuity = false;
        Instant pdt = null;
        // The run so far.
        Instant extrapolated = null;
        boolean usesPdt = playlist.contains("#EXT-X-PROGRAM-DATE-TIME:");
        Long previousNumber = null;
        Instant previousStart = null;
        int segmentsChecked = 0;
        boolean allIdr = true;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = "line " + (i + 1) + " (" + line + ")";
            if (line.isBlank()) {
                continue;
            }
            if (endlist) {
                v.add(where + ": after #EXT-X-ENDLIST");
            }
            String tag = line.startsWith("#") ? line.split(":", 2)[0] : null;
            if (tag != null && ONCE.contains(tag)) {
                if (!seen.add(tag)) {
                    v.add(where + ": " + tag + " appears more than once");
                }
                if (segmentIndex > 0) {
                    v.add(where + ": " + tag + " after the first segment");
                }
            }
            if (tag == null) {
                // A segment URI.
                if (extinf == null) {
                    v.add(where + ": a segment without #EXTINF");
                }
                Matcher n = SEGMENT_NUMBER.matcher(line);
                Long number = n.matches() ? Long.parseLong(n.group(1)) : null;
                long firstNumber = mediaSequence == null ? 0 : mediaSequence; // absent: 0 (4.3.3.2)
                if (number != null && previousNumber == null && number != firstNumber) {
                    v.add(where + ": the first segment is number " + number + " but the media sequence is "
                            + firstNumber);
                }
                if (number != null && previousNumber != null && number != previousNumber + 1 && !discontinuity) {
                    v.add(where + ": segment " + number + " follows " + previousNumber + " without #EXT-X-DISCONTINUITY");
                }
                if (discontinuity || segmentIndex == 0) {
                    extrapolated = null;
                    previousStart = null;
                    if (usesPdt && pdt == null) {
                        v.add(where + ": the first segment of a discontinuity run has no #EXT-X-PROGRAM-DATE-TIME");
                    }
                }
                if (pdt != null && previousStart != null && !pdt.isAfter(previousStart)) {
                    v.add(where + ": #EXT-X-PROGRAM-DATE-TIME " + pdt + " not after the previous segment's "
                            + previousStart + " in the same run");
                } else if (pdt != null && extrapolated != null) {
                    Duration off = Duration.between(extrapolated, pdt).abs();
                    if (off.compareTo(PDT_TOLERANCE) > 0) {
                        v.add(where + ": #EXT-X-PROGRAM-DATE-TIME " + pdt + " where the run puts " + extrapolated
                                + " (off by " + off.toMillis() + " ms)");
                    }
                }
                Instant start = pdt != null ? pdt : extrapolated;
                previousStart = start;
                extrapolated = start == null || extinf == null ? null
                        : start.plusNanos(Math.round(extinf * 1e9));
                Optional<byte[]> bytes = segments.apply(line);
                if (bytes.isPresent()) {
                    segmentsChecked++;
                    if (!startsWithIdr(bytes.get())) {
                        allIdr = false;
                        if (independentTag) {
                            v.add(where + ": #EXT-X-INDEPENDENT-SEGMENTS but the segment does not start with an IDR frame");
                        }
                    }
                }
                previousNumber = number;
                segmentIndex++;
                extinf = null;
                discontinuity = false;
                pdt = null;
                continue;
            }
            String value = line.contains(":") ? line.substring(line.indexOf(':') + 1) : "";
            switch (tag) {
                case "#EXT-X-VERSION" -> version = parseInt(value, where, v);
                case "#EXT-X-TARGETDURATION" -> target = (long) parseInt(value, where, v);
                case "#EXT-X-MEDIA-SEQUENCE" -> mediaSequence = (long) parseInt(value, where, v);
                case "#EXT-X-INDEPENDENT-SEGMENTS" -> independentTag = true;
                case "#EXT-X-ENDLIST" -> endlist = true;
                case "#EXT-X-BYTERANGE", "#EXT-X-I-FRAMES-ONLY" -> versionNeeded = Math.max(versionNeeded, 4);
                case "#EXT-X-MAP" -> versionNeeded = Math.max(versionNeeded, 6);
                case "#EXT-X-DISCONTINUITY" -> {
                    if (discontinuity) {
                        v.add(where + ": a second #EXT-X-DISCONTINUITY for one segment");
                    }
                    if (segmentIndex == 0) {
                        v.add(where + ": #EXT-X-DISCONTINUITY before the first segment");
                    }
                    discontinuity = true;
                }
                case "#EXT-X-PROGRAM-DATE-TIME" -> {
                    try {
                        pdt = OffsetDateTime.parse(value).toInstant();
                    } catch (DateTimeParseException e) {
                        v.add(where + ": not an ISO 8601 date-time with a time zone");
                    }
                }
                case "#EXTINF" -> {
                    Matcher m = EXTINF.matcher(line);
                    if (!m.matches()) {
                        v.add(where + ": not a valid #EXTINF");
                        extinf = 0.0;
                    } else {
                        extinf = Double.parseDouble(m.group(1));
                        if (m.group(1).contains(".")) {
                            versionNeeded = Math.max(versionNeeded, 3);
                        }
                        if (target != null && Math.round(extinf) > target) {
                            v.add(where + ": rounds to " + Math.round(extinf) + " s, above #EXT-X-TARGETDURATION "
                                    + target);
                        }
                    }
                }
                default -> {
                    // Other tags (EXT-X-PLAYLIST-TYPE, comments) need no check here.
                }
            }
        }
        if (target == null) {
            v.add("no #EXT-X-TARGETDURATION");
        }
        if (extinf != null || discontinuity || pdt != null) {
            v.add("tags for a segment at the end of the playlist with no segment after them");
        }
        if (version < versionNeeded) {
            v.add("#EXT-X-VERSION " + version + " but the tags used need " + versionNeeded);
        }
        if (terminal && !endlist) {
            v.add("the recording has ended but the playlist has no #EXT-X-ENDLIST");
        }
        if (!terminal && endlist) {
            v.add("#EXT-X-ENDLIST on a recording that has not ended");
        }
        if (segmentIndex > 0 && segmentsChecked == segmentIndex && allIdr && !independentTag) {
            v.add("every segment starts with an IDR frame but #EXT-X-INDEPENDENT-SEGMENTS is missing");
        }
        return v;
    }

    private static int parseInt(String value, String where, List<String> v) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            v.add(where + ": not a decimal integer");
            return 0;
        }
    }

    /**
     * Whether the first H.264 picture in an MPEG-TS segment is an IDR: the first PES of the first H.264 stream (stream
     * type 0x1B in the PMT), its first slice NAL unit type 5 (any slice before it is type 1).
     */
    public static boolean startsWithIdr(byte[] ts) {
        int pmtPid = -1;
        int videoPid = -1;
        ByteArrayOutputStream pes = null;
        for (int off = 0; off + 188 <= ts.length; off += 188) {
            if ((ts[off] & 0xff) != 0x47) {
                return false;
            }
            boolean start = (ts[off + 1] & 0x40) != 0;
            int pid = ((ts[off + 1] & 0x1f) << 8) | (ts[off + 2] & 0xff);
            int afc = (ts[off + 3] >> 4) & 0x3;
            int p = off + 4;
            if (afc == 2 || afc == 3) {
                p += 1 + (ts[p] & 0xff);
            }
            if (afc == 2 || p >= off + 188) {
                continue;
            }
            if (pid == 0 && start && pmtPid < 0) {
                p += 1 + (ts[p] & 0xff); // pointer field
                pmtPid = ((ts[p + 10] & 0x1f) << 8) | (ts[p + 11] & 0xff); // first program's PMT
            } else if (pid == pmtPid && start && videoPid < 0) {
                p += 1 + (ts[p] & 0xff);
                int sectionEnd = p + 3 + (((ts[p + 1] & 0x0f) << 8) | (ts[p + 2] & 0xff)) - 4;
                int q = p + 12 + (((ts[p + 10] & 0x0f) << 8) | (ts[p + 11] & 0xff));
                while (q + 5 <= sectionEnd && q + 5 <= off + 188) {
                    int type = ts[q] & 0xff;
                    int esPid = ((ts[q + 1] & 0x1f) << 8) | (ts[q + 2] & 0xff);
                    if (type == 0x1b) {
                        videoPid = esPid;
                        break;
                    }
                    q += 5 + (((ts[q + 3] & 0x0f) << 8) | (ts[q + 4] & 0xff));
                }
            } else if (pid == videoPid && videoPid >= 0) {
                if (start) {
                    if (pes != null) {
                        break;
                    }
                    pes = new ByteArrayOutputStream();
                    p += 9 + (ts[p + 8] & 0xff); // PES header
                }
                if (pes != null && p < off + 188) {
                    pes.write(ts, p, off + 188 - p);
                }
            }
        }
        if (pes == null) {
            return false;
        }
        byte[] es = pes.toByteArray();
        for (int i = 0; i + 3 < es.length; i++) {
            if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1) {
                int type = es[i + 3] & 0x1f;
                if (type == 5) {
                    return true;
                }
                if (type == 1) {
                    return false;
                }
                i += 2;
            }
        }
        return false;
    }
}
