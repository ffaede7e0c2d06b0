package dev.mintrecorder.worker.room;

import okhttp3.HttpUrl;

/**
 * Builds the signal URLs of protocol v0: {@code /rtc} for the WebSocket and {@code /rtc/validate} that explains
 * a failed upgrade.
 *
 * <p>The token goes in the {@code access_token} query parameter, which every LiveKit server accepts (a browser
 * cannot set headers). {@code auto_subscribe=0} is explicit because an absent flag means true.
 * {@code protocol=15} is above 13, from which the server's {@code leave} carries an action, and below the
 * versions whose clients the server expects to speak the single-peer-connection {@code /rtc/v1}.
 */
public final class SignalUrls {
    static final int PROTOCOL = 15;
    static final String SDK = "java";

    private SignalUrls() {
    }

    /** The WebSocket URL to join (resume with {@code sid} non-null). {@code base} is ws://, wss://, http:// or https://. */
    public static HttpUrl rtc(String base, String token, String resumeSid) {
        HttpUrl.Builder url = root(base).addPathSegment("rtc")
                .addQueryParameter("access_token", token)
                .addQueryParameter("auto_subscribe", "0")
                .addQueryParameter("adaptive_stream", "0")
                .addQueryParameter("sdk", SDK)
                .addQueryParameter("protocol", Integer.toString(PROTOCOL));
        if (resumeSid != null) {
            url.addQueryParameter("reconnect", "1").addQueryParameter("sid", resumeSid);
        }
        return url.build();
    }

    /** The validate URL for the same request: the same query on {@code /rtc/validate}. */
    public static HttpUrl validate(HttpUrl rtc) {
        return rtc.newBuilder().addPathSegment("validate").build();
    }

    /**
     * The URL the WebSocket is opened on; OkHttp takes ws(s) URLs as http(s), which {@link HttpUrl} represents.
     */
    private static HttpUrl.Builder root(String base) {
        String http = base.replaceFirst("^(?i)ws://", "http://").replaceFirst("^(?i)wss://", "https://");
        HttpUrl parsed = HttpUrl.parse(http);
        if (parsed == null) {
            throw new IllegalArgumentException("not a LiveKit URL: " + base);
        }
        HttpUrl.Builder builder = parsed.newBuilder().query(null);
        // Keep a path prefix (a server behind a proxy at /livekit) but not an empty trailing segment.
        if (parsed.pathSegments().size() == 1 && parsed.pathSegments().getFirst().isEmpty()) {
            builder.encodedPath("/");
        } else if (parsed.pathSegments().getLast().isEmpty()) {
            builder.removePathSegment(parsed.pathSegments().size() - 1);
        }
        return builder;
    }
}
