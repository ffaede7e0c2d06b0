package dev.mintrecorder.devstack.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.livekit.server.AccessToken;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.Hidden;
import io.livekit.server.Recorder;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
    private static final String KEY = "devkey";
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private final TokenVerifier verifier = new TokenVerifier(KEY, SECRET);

    private static AccessToken token(String key, String secret) {
        AccessToken token = new AccessToken(key, secret);
        token.setIdentity("rec-1");
        token.setName("Recorder");
        return token;
    }

    @Test
    void acceptsARecorderTokenWithItsGrants() throws JoinRejected {
        AccessToken token = token(KEY, SECRET);
        token.addGrants(new RoomJoin(true), new RoomName("mint-a"), new CanPublish(false), new CanPublishData(false),
                new CanSubscribe(true), new Hidden(true), new Recorder(true));
        JoinGrant grant = verifier.verify(token.toJwt());
        assertEquals(new JoinGrant("rec-1", "Recorder", "", "mint-a", true, false, true, false, true, true), grant);
    }

    @Test
    void appliesLivekitDefaults() throws JoinRejected {
        AccessToken token = token(KEY, SECRET);
        token.addGrants(new RoomJoin(true), new RoomName("mint-a"));
        JoinGrant grant = verifier.verify(token.toJwt());
        assertTrue(grant.canPublish());
        assertTrue(grant.canSubscribe());
        assertTrue(grant.canPublishData(), "canPublishData follows canPublish");
        assertFalse(grant.hidden());

        AccessToken noPublish = token(KEY, SECRET);
        noPublish.addGrants(new RoomJoin(true), new RoomName("mint-a"), new CanPublish(false));
        assertFalse(verifier.verify(noPublish.toJwt()).canPublishData());
    }

    @Test
    void rejectsBadTokensWith401() {
        AccessToken wrongSecret = token(KEY, "ffffffffffffffffffffffffffffffff");
        wrongSecret.addGrants(new RoomJoin(true), new RoomName("mint-a"));
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(wrongSecret.toJwt())).status());

        AccessToken wrongKey = token("other", SECRET);
        wrongKey.addGrants(new RoomJoin(true), new RoomName("mint-a"));
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(wrongKey.toJwt())).status());

        AccessToken expired = token(KEY, SECRET);
        expired.addGrants(new RoomJoin(true), new RoomName("mint-a"));
        expired.setExpiration(new Date(System.currentTimeMillis() - 60_000));
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(expired.toJwt())).status());

        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(null)).status());
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify("not.a.jwt")).status());
    }

    @Test
    void aMissingJoinGrantIs401AsLivekitServerAnswers() {
        AccessToken noRoomJoin = token(KEY, SECRET);
        noRoomJoin.addGrants(new RoomName("mint-a"), new CanSubscribe(true));
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(noRoomJoin.toJwt())).status());

        AccessToken noVideoGrant = token(KEY, SECRET);
        assertEquals(401, assertThrows(JoinRejected.class, () -> verifier.verify(noVideoGrant.toJwt())).status());
    }

    @Test
    void aMissingRoomOrIdentityIs400() {
        AccessToken noRoom = token(KEY, SECRET);
        noRoom.addGrants(new RoomJoin(true));
        JoinRejected rejected = assertThrows(JoinRejected.class, () -> verifier.verify(noRoom.toJwt()));
        assertEquals(400, rejected.status());
        assertEquals("room name cannot be empty", rejected.getMessage());

        // LiveKit's AccessToken refuses to make a token without identity; another issuer may.
        String noIdentity = JWT.create().withIssuer(KEY).withClaim("video", Map.of("roomJoin", true, "room", "mint-a"))
                .sign(Algorithm.HMAC256(SECRET));
        rejected = assertThrows(JoinRejected.class, () -> verifier.verify(noIdentity));
        assertEquals(400, rejected.status());
        assertEquals("participant identity cannot be empty", rejected.getMessage());
    }
}
