package dev.mintrecorder.devstack.media;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Accepts a publisher's simulcast offer in the answer the relay sends back, keeping only its top layer.
 *
 * <p>livekit-server answers {@code a=simulcast:send q;h} with {@code a=simulcast:recv q;h} and receives every layer
 * (pion, one track per rid). The relay cannot: webrtc-java 0.14.0's libwebrtc drops {@code a=simulcast} and
 * {@code a=rid} from its answer (probed 2026-12-06 with Chromium 156's offer), so Chrome falls back to its first
 * encoding, which livekit-client makes the lowest (240×180 under a 640×480 camera). Nor can it demultiplex several
 * rid streams of one m-line: they would share its one unsignalled receive stream. So the answer sent to the
 * publisher names one rid, the top layer's ({@code a=rid:X recv}, {@code a=simulcast:recv X}), and the publisher
 * drops the other encodings (JSEP: rids missing from the answer are not sent). The relay then derives the lower
 * layers by scaling ({@link Relay}), at the sizes the publisher announced. The answer webrtc-java applied locally is
 * left as it was: it receives the one stream by its mid.
 *
 * <p>With one of its layers left, Chrome treats the camera as simulcast with a single active layer and applies
 * libwebrtc's start rule for it: below the layer size's minimum start bitrate (500 kbps for 640×480) it drops the
 * first frames and scales down, and the QP scaler takes about 30 s to climb back (measured: 320×240, then 480×360,
 * 640×480 after 32 s, under livekit-client's 500 kbps cap). With every layer active, as against livekit-server, the
 * top layer is either off or at its full size. So the answer also hints a start bitrate ({@code
 * x-google-start-bitrate} on the first codec, which Chrome sends with) that clears that minimum: the top layer then
 * starts at 640×480 (measured).
 *
 * <p>The top layer: livekit-client names its rids by quality ({@code q} LOW, {@code h} MEDIUM, {@code f} HIGH;
 * {@code videoQualityForRid}), so the best of those present; other rids carry no order, so the last one listed.
 */
final class SimulcastAnswer {
    private static final List<String> LIVEKIT_RIDS = List.of("q", "h", "f");
    /**
     * The start bitrate hinted to the publisher: above libwebrtc's minimum start bitrate for a single VP8 layer up to
     * 720p (900 kbps, {@code EncoderInfoSettings} singlecast limits), so the top layer starts at its full size.
     */
    static final int START_KBPS = 1000;

    private SimulcastAnswer() {
    }

    /**
     * {@code answer} with the top rid of each simulcast m-section of {@code offer} accepted, and the start bitrate
     * hinted on that section's first payload type; unchanged when the offer has no simulcast.
     */
    static String acceptTopLayer(String offer, String answer) {
        Map<String, String> topRidByMid = new HashMap<>();
        for (List<String> section : sections(offer)) {
            String mid = attribute(section, "a=mid:");
            String send = attribute(section, "a=simulcast:send ");
            if (mid != null && send != null) {
                topRidByMid.put(mid, topRid(send));
            }
        }
        if (topRidByMid.isEmpty()) {
            return answer;
        }
        String eol = answer.contains("\r\n") ? "\r\n" : "\n";
        StringBuilder out = new StringBuilder();
        for (List<String> section : sections(answer)) {
            String mid = attribute(section, "a=mid:");
            String rid = mid == null ? null : topRidByMid.get(mid);
            boolean accept = rid != null && attribute(section, "a=simulcast:") == null
                    && !section.getFirst().startsWith("m=video 0 ");
            // m=video <port> <proto> <payload types…>: the first is the codec the publisher sends with.
            String firstPt = accept ? section.getFirst().split(" ")[3] : null;
            boolean hinted = false;
            for (String line : section) {
                if (accept && line.startsWith("a=fmtp:" + firstPt + " ")) {
                    line = line + ";x-google-start-bitrate=" + START_KBPS;
                    hinted = true;
                }
                out.append(line).append(eol);
            }
            if (accept) {
                if (!hinted) {
                    out.append("a=fmtp:").append(firstPt).append(" x-google-start-bitrate=").append(START_KBPS).append(eol);
                }
                out.append("a=rid:").append(rid).append(" recv").append(eol);
                out.append("a=simulcast:recv ").append(rid).append(eol);
            }
        }
        return out.toString();
    }

    /**
     * The rid to receive from a {@code a=simulcast:send} list: streams separated by {@code ;}, alternatives by
     * {@code ,}, a paused one prefixed with {@code ~} (RFC 8853). The first alternative of each stream counts.
     */
    static String topRid(String sendList) {
        List<String> rids = new ArrayList<>();
        for (String stream : sendList.strip().split(";")) {
            rids.add(stream.split(",")[0].replace("~", "").strip());
        }
        if (LIVEKIT_RIDS.containsAll(rids)) {
            return rids.stream().max((a, b) -> LIVEKIT_RIDS.indexOf(a) - LIVEKIT_RIDS.indexOf(b)).orElseThrow();
        }
        return rids.getLast();
    }

    /** The session part, then each m-section, as lists of lines (without line ends). */
    private static List<List<String>> sections(String sdp) {
        List<List<String>> sections = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=")) {
                sections.add(current);
                current = new ArrayList<>();
            }
            if (!line.isEmpty()) {
                current.add(line);
            }
        }
        sections.add(current);
        return sections;
    }

    private static String attribute(List<String> section, String prefix) {
        if (section.isEmpty() || !section.getFirst().startsWith("m=")) {
            return null;
        }
        return section.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                .findFirst().orElse(null);
    }
}
