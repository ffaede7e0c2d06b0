package dev.mintrecorder.devstack.room;

import livekit.LivekitRtc.AddTrackRequest;
import livekit.LivekitRtc.SimulcastCodec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The publisher's video codec, as livekit-server follows it: the codec an AddTrackRequest asks for
 * ({@code simulcast_codecs}) becomes the track's mime type, and the publisher's offer is reordered so that codec
 * comes first and the answer picks it ({@code pkg/rtc/participant_sdp.go setCodecPreferencesVideoForPublisher}).
 *
 * <p>The double re-encodes what it forwards, with libwebrtc's VP8 or OpenH264 encoder, so it follows H.264 and VP8;
 * any other codec asked for (VP9, AV1) is answered as before, VP8 first.
 */
final class PublisherCodecs {
    private static final Pattern VIDEO_LINE = Pattern.compile("^(m=video \\S+ \\S+)((?: \\d+)+)\\s*$", Pattern.MULTILINE);

    private PublisherCodecs() {
    }

    /** The mime type of a requested video track: the first codec it asks for, normalised; VP8 by default. */
    static String videoMime(AddTrackRequest add) {
        for (SimulcastCodec codec : add.getSimulcastCodecsList()) {
            String name = codec.getCodec().toLowerCase(Locale.ROOT);
            name = name.startsWith("video/") ? name.substring("video/".length()) : name;
            if (name.equals("h264")) {
                return SyntheticPublisherSpec.H264;
            }
            if (!name.isEmpty()) {
                break;
            }
        }
        return SyntheticPublisherSpec.VP8;
    }

    /**
     * {@code offer} with each video section's formats reordered: those of {@code mime} first, the rest after in
     * their order (livekit-server keeps the others for clients that follow the answer's order).
     */
    static String preferVideo(String offer, String mime) {
        String codec = mime.substring(mime.indexOf('/') + 1);
        Set<String> preferred = Pattern.compile("^a=rtpmap:(\\d+) " + Pattern.quote(codec) + "/",
                        Pattern.MULTILINE | Pattern.CASE_INSENSITIVE).matcher(offer).results()
                .map(m -> m.group(1)).collect(Collectors.toSet());
        if (preferred.isEmpty()) {
            return offer;
        }
        Matcher line = VIDEO_LINE.matcher(offer);
        StringBuilder out = new StringBuilder();
        while (line.find()) {
            List<String> first = new ArrayList<>();
            List<String> rest = new ArrayList<>();
            for (String pt : line.group(2).trim().split(" ")) {
                (preferred.contains(pt) ? first : rest).add(pt);
            }
            first.addAll(rest);
            line.appendReplacement(out, Matcher.quoteReplacement(line.group(1) + " " + String.join(" ", first)));
        }
        line.appendTail(out);
        return out.toString();
    }
}
