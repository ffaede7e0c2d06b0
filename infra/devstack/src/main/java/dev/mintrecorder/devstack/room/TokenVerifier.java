package dev.mintrecorder.devstack.room;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verifies LiveKit join tokens: HS256 signed with the API secret, {@code iss} = API key, {@code sub} = identity, the
 * grants under {@code video}. Defaults as livekit-server: canPublish and canSubscribe true when absent, canPublishData
 * follows canPublish. Refusals carry livekit-server's statuses ({@code pkg/service/auth.go}, {@code pkg/service/utils.go
 * ValidateConnectRequest}): 401 for a missing or bad token and for a missing join grant, 400 for a token without
 * identity or room.
 */
public final class TokenVerifier {
    private final String apiKey;
    private final Algorithm algorithm;
    private final JWTVerifier verifier;

    public TokenVerifier(String apiKey, String apiSecret) {
        this.apiKey = apiKey;
        this.algorithm = Algorithm.HMAC256(apiSecret);
        this.verifier = JWT.require(algorithm).withIssuer(apiKey).acceptLeeway(5).build();
    }

    /** A fresh token with the same grant and a new expiry: what the server sends as {@code refresh_token}. */
    public String reissue(JoinGrant grant, Duration ttl) {
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("roomJoin", grant.roomJoin());
        video.put("room", grant.room());
        video.put("canPublish", grant.canPublish());
        video.put("canSubscribe", grant.canSubscribe());
        video.put("canPublishData", grant.canPublishData());
        video.put("hidden", grant.hidden());
        video.put("recorder", grant.recorder());
        Instant now = Instant.now();
        return JWT.create().withIssuer(apiKey).withSubject(grant.identity()).withClaim("name", grant.name())
                .withClaim("metadata", grant.metadata()).withClaim("video", video).withNotBefore(now)
                .withExpiresAt(now.plus(ttl)).sign(algorithm);
    }

    /** The grant for {@code token}, or a 401 (bad token, no join grant) or 400 (no identity or room) rejection. */
    public JoinGrant verify(String token) throws JoinRejected {
        if (token == null || token.isBlank()) {
            throw new JoinRejected(401, "invalid token: missing (pass access_token or Authorization: Bearer)");
        }
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (JWTVerificationException e) {
            throw new JoinRejected(401, "invalid token: " + e.getMessage());
        }
        Map<String, Object> video = jwt.getClaim("video").asMap();
        if (video == null) {
            throw new JoinRejected(401, "permissions denied: token has no video grant");
        }
        String identity = jwt.getSubject();
        boolean canPublish = flag(video, "canPublish", true);
        JoinGrant grant = new JoinGrant(string(identity), string(jwt.getClaim("name").asString()),
                string(jwt.getClaim("metadata").asString()), string(video.get("room")),
                flag(video, "roomJoin", false), canPublish, flag(video, "canSubscribe", true),
                flag(video, "canPublishData", canPublish), flag(video, "hidden", false), flag(video, "recorder", false));
        if (!grant.roomJoin()) {
            throw new JoinRejected(401, "permissions denied: token does not grant roomJoin");
        }
        if (grant.identity().isBlank()) {
            throw new JoinRejected(400, "participant identity cannot be empty");
        }
        if (grant.room().isEmpty()) {
            throw new JoinRejected(400, "room name cannot be empty");
        }
        return grant;
    }

    private static boolean flag(Map<String, Object> video, String key, boolean absent) {
        Object value = video.get(key);
        return value instanceof Boolean b ? b : absent;
    }

    private static String string(Object value) {
        return value == null ? "" : value.toString();
    }
}
