package dev.mintrecorder.worker.room;

import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.Hidden;
import io.livekit.server.Recorder;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;

import java.time.Duration;

/**
 * The recorder's join token: hidden, subscribe-only, scoped to one room, short-lived.
 *
 * <p>{@code canPublish} defaults to true on the server and {@code canPublishData} follows it, so both are set
 * to false explicitly. {@code recorder=true} makes clients show that the room is being recorded. The TTL only
 * has to cover the join: the server sends {@code refresh_token} for later resumes.
 */
public final class JoinToken {
    private JoinToken() {
    }

    public static String create(String apiKey, String apiSecret, String room, String identity, Duration ttl) {
        AccessToken token = new AccessToken(apiKey, apiSecret);
        token.setIdentity(identity);
        token.setName("recorder");
        token.setTtl(ttl.toMillis()); // AccessToken's ttl is in milliseconds
        token.addGrants(new RoomJoin(true), new RoomName(room), new Hidden(true), new Recorder(true),
                new CanSubscribe(true), new CanPublish(false), new CanPublishData(false));
        return token.toJwt();
    }
}
