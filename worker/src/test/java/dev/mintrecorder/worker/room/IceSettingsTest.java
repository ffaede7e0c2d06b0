package dev.mintrecorder.worker.room;

import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import livekit.LivekitModels.ClientConfigSetting;
import livekit.LivekitModels.ClientConfiguration;
import livekit.LivekitRtc.ICEServer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IceSettingsTest {
    private static final List<ICEServer> SERVERS = List.of(
            ICEServer.newBuilder().addUrls("stun:stun.example.net:3478").build(),
            ICEServer.newBuilder().addUrls("turn:turn.example.net:3478?transport=udp")
                    .addUrls("turns:turn.example.net:443?transport=tcp").setUsername("u1").setCredential("s3cret").build());

    @Test
    void theServersNamesBecomeThePeerConnectionsServers() {
        IceSettings settings = IceSettings.of(SERVERS, ClientConfiguration.getDefaultInstance());
        assertFalse(settings.relayOnly());
        RTCConfiguration rtc = settings.toRtc();
        assertEquals(2, rtc.iceServers.size());
        assertEquals(List.of("turn:turn.example.net:3478?transport=udp", "turns:turn.example.net:443?transport=tcp"),
                rtc.iceServers.get(1).urls);
        assertEquals("u1", rtc.iceServers.get(1).username);
        assertEquals("s3cret", rtc.iceServers.get(1).password);
        assertEquals(RTCIceTransportPolicy.ALL, rtc.iceTransportPolicy);
        assertEquals(settings, IceSettings.of(rtc), "read back as written");
    }

    @Test
    void forceRelayAllowsOnlyRelayCandidates() {
        IceSettings settings = IceSettings.of(SERVERS,
                ClientConfiguration.newBuilder().setForceRelay(ClientConfigSetting.ENABLED).build());
        assertTrue(settings.relayOnly());
        assertEquals(RTCIceTransportPolicy.RELAY, settings.toRtc().iceTransportPolicy);
        assertFalse(IceSettings.of(SERVERS, ClientConfiguration.newBuilder()
                .setForceRelay(ClientConfigSetting.DISABLED).build()).relayOnly());
    }

    @Test
    void noServersMeansHostCandidatesOnly() {
        IceSettings none = IceSettings.of(List.of(), ClientConfiguration.getDefaultInstance());
        assertTrue(none.toRtc().iceServers.isEmpty());
        assertTrue(none.urls().isEmpty());
    }

    @Test
    void credentialsAreNeverPrinted() {
        IceSettings settings = IceSettings.of(SERVERS, ClientConfiguration.getDefaultInstance());
        assertFalse(settings.toString().contains("s3cret"), settings.toString());
        assertEquals(List.of("stun:stun.example.net:3478", "turn:turn.example.net:3478?transport=udp",
                "turns:turn.example.net:443?transport=tcp"), settings.urls());
    }
}
