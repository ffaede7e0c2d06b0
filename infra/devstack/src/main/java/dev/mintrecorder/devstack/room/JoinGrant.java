package dev.mintrecorder.devstack.room;

/** What a verified join token allows, with livekit-server's defaults already applied. */
public record JoinGrant(String identity, String name, String metadata, String room, boolean roomJoin,
                        boolean canPublish, boolean canSubscribe, boolean canPublishData, boolean hidden,
                        boolean recorder) {
}
