package dev.mintrecorder.webrtc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The H.264 formats of a session description by payload type, and their {@code profile-level-id} (RFC 6184: profile_idc,
 * profile-iop and level_idc as six hex digits), read and rewritten in the SDP text.
 *
 * <p>Why rewrite: libwebrtc negotiates H.264 only for the profiles its decoder factory lists. webrtc-java 0.14.0's
 * lists 42001f, 42e01f, 4d001f and f4001f, with no High, although its decoder (FFmpeg) decodes High. A receiver
 * that is offered only High would reject the section, so it applies the offer with High read as Constrained
 * Baseline and answers with the offered profile again ({@link #decodable}, {@link #replace}).
 */
public final class H264Profiles {
    private static final Pattern RTPMAP = Pattern.compile("^a=rtpmap:(\\d+) H264/90000", Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);
    private static final Pattern FMTP = Pattern.compile("^(a=fmtp:(\\d+) .*?profile-level-id=)([0-9a-fA-F]{6})",
            Pattern.MULTILINE);
    /** profile_idc 100: High, and with constraint_set4/5 (640c..) Constrained High; 8-bit 4:2:0, what FFmpeg decodes. */
    private static final String HIGH = "64";

    private H264Profiles() {
    }

    /** Payload type to profile-level-id of each H.264 format that names one, in SDP order. */
    public static Map<Integer, String> of(String sdp) {
        Set<Integer> h264 = RTPMAP.matcher(sdp).results().map(m -> Integer.parseInt(m.group(1)))
                .collect(Collectors.toSet());
        Map<Integer, String> profiles = new LinkedHashMap<>();
        Matcher fmtp = FMTP.matcher(sdp);
        while (fmtp.find()) {
            int pt = Integer.parseInt(fmtp.group(2));
            if (h264.contains(pt)) {
                profiles.put(pt, fmtp.group(3).toLowerCase());
            }
        }
        return profiles;
    }

    /** {@code sdp} with the profile-level-id of the payload types in {@code profiles} replaced; others untouched. */
    public static String replace(String sdp, Map<Integer, String> profiles) {
        Matcher fmtp = FMTP.matcher(sdp);
        StringBuilder out = new StringBuilder();
        while (fmtp.find()) {
            String profile = profiles.get(Integer.parseInt(fmtp.group(2)));
            fmtp.appendReplacement(out, Matcher.quoteReplacement(fmtp.group(1)
                    + (profile == null ? fmtp.group(3) : profile)));
        }
        fmtp.appendTail(out);
        return out.toString();
    }

    /** High or Constrained High (profile_idc 100). */
    public static boolean isHigh(String profileLevelId) {
        return profileLevelId.toLowerCase().startsWith(HIGH);
    }

    /** Constrained Baseline at the same level: the profile webrtc-java's decoder factory lists. */
    public static String constrainedBaseline(String profileLevelId) {
        return "42e0" + profileLevelId.substring(4).toLowerCase();
    }

    /** The High formats of {@code profiles} (by payload type, as {@link #of} gives them). */
    public static Map<Integer, String> high(Map<Integer, String> profiles) {
        Map<Integer, String> high = new LinkedHashMap<>();
        profiles.forEach((pt, profile) -> {
            if (isHigh(profile)) {
                high.put(pt, profile);
            }
        });
        return high;
    }

    /**
     * The High formats of an offer with the Constrained Baseline profile to apply them as: the offer
     * {@link #replace}d with this is one libwebrtc accepts, and its answer {@link #replace}d with {@link #high}
     * names the offered profiles again.
     */
    public static Map<Integer, String> decodable(Map<Integer, String> offered) {
        Map<Integer, String> decodable = new LinkedHashMap<>();
        high(offered).forEach((pt, profile) -> decodable.put(pt, constrainedBaseline(profile)));
        return decodable;
    }
}
