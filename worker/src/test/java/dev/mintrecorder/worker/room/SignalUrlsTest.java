package dev.mintrecorder.worker.room;

import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SignalUrlsTest {

    @Test
    void joinUrlCarriesTokenAndDisablesAutoSubscribe() {
        HttpUrl url = SignalUrls.rtc("ws://127.0.0.2:7880", "tok.en", null);
        assertEquals("http", url.scheme(), "OkHttp represents ws:// as http://");
        assertEquals("/rtc", url.encodedPath());
        assertEquals("tok.en", url.queryParameter("access_token"));
        assertEquals("0", url.queryParameter("auto_subscribe"));
        assertEquals("java", url.queryParameter("sdk"));
        assertEquals(String.valueOf(SignalUrls.PROTOCOL), url.queryParameter("protocol"));
        assertNull(url.queryParameter("reconnect"));
    }

    @Test
    void resumeUrlNamesTheSession() {
        HttpUrl url = SignalUrls.rtc("wss://livekit.example.com/", "t", "PA_123");
        assertEquals("https", url.scheme());
        assertEquals("/rtc", url.encodedPath());
        assertEquals("1", url.queryParameter("reconnect"));
        assertEquals("PA_123", url.queryParameter("sid"));
    }

    @Test
    void keepsAPathPrefixAndValidatesBesideRtc() {
        HttpUrl url = SignalUrls.rtc("https://proxy.example.com/livekit/", "t", null);
        assertEquals("/livekit/rtc", url.encodedPath());
        HttpUrl validate = SignalUrls.validate(url);
        assertEquals("/livekit/rtc/validate", validate.encodedPath());
        assertEquals("t", validate.queryParameter("access_token"));
        assertEquals("0", validate.queryParameter("auto_subscribe"));
    }

    @Test
    void rejectsSomethingThatIsNotAUrl() {
        assertThrows(IllegalArgumentException.class, () -> SignalUrls.rtc("localhost:7880", "t", null));
    }
}
