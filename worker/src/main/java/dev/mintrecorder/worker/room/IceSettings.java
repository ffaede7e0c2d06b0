package dev.mintrecorder.worker.room;

import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import livekit.LivekitModels.ClientConfigSetting;
import livekit.LivekitModels.ClientConfiguration;
import livekit.LivekitRtc.ICEServer;

import java.util.List;

/**
 * The subscriber connection's ICE settings as the server names them in its JoinResponse and ReconnectResponse
 * ({@code ice_servers}, {@code client_configuration.force_relay}), read the way client-sdk-js
 * {@code RTCEngine.makeRTCConfiguration} reads them: every STUN/TURN server with its credentials, and
 * {@code iceTransportPolicy = relay} when relaying is forced.
 *
 * @param servers   the STUN/TURN servers, in the server's order
 * @param relayOnly only relay (TURN) candidates may be used
 */
record IceSettings(List<Server> servers, boolean relayOnly) {

    /** One STUN or TURN server; {@code credential} is a secret and never printed. */
    record Server(List<String> urls, String username, String credential) {
        Server {
            urls = List.copyOf(urls);
            username = username == null ? "" : username;
            credential = credential == null ? "" : credential;
        }

        @Override
        public String toString() {
            return urls + (username.isEmpty() ? "" : " as " + username);
        }
    }

    IceSettings {
        servers = List.copyOf(servers);
    }

    static IceSettings of(List<ICEServer> servers, ClientConfiguration configuration) {
        return new IceSettings(servers.stream().map(s -> new Server(s.getUrlsList(), s.getUsername(), s.getCredential()))
                .toList(), configuration.getForceRelay() == ClientConfigSetting.ENABLED);
    }

    /** The settings a peer connection actually holds (read back from libwebrtc). */
    static IceSettings of(RTCConfiguration configuration) {
        List<RTCIceServer> servers = configuration.iceServers == null ? List.of() : configuration.iceServers;
        return new IceSettings(servers.stream().map(s -> new Server(s.urls == null ? List.of() : s.urls, s.username,
                s.password)).toList(), configuration.iceTransportPolicy == RTCIceTransportPolicy.RELAY);
    }

    RTCConfiguration toRtc() {
        RTCConfiguration configuration = new RTCConfiguration();
        configuration.iceServers = servers.stream().map(s -> {
            RTCIceServer server = new RTCIceServer();
            server.urls = s.urls();
            server.username = s.username();
            server.password = s.credential();
            return server;
        }).toList();
        configuration.iceTransportPolicy = relayOnly ? RTCIceTransportPolicy.RELAY : RTCIceTransportPolicy.ALL;
        return configuration;
    }

    /** Every server URL, for logs and events (credentials left out). */
    List<String> urls() {
        return servers.stream().flatMap(s -> s.urls().stream()).toList();
    }
}
