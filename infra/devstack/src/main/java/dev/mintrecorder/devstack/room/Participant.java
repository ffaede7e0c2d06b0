package dev.mintrecorder.devstack.room;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.UpdateTrackSettings;

/**
 * A participant that joined over the signal socket. All fields are guarded by its {@link Room}'s monitor; the room
 * drives every change. The socket may be absent between a dropped connection and a resume.
 */
final class Participant {
    /** Lifecycle; {@link #moveTo} is the one place it changes. */
    enum State { ACTIVE, DETACHED, GONE }

    final Room room;
    final JoinGrant grant;
    final String sid = Ids.next("PA_");
    final String pcId;
    final int protocol;
    final boolean autoSubscribe;
    final long joinedAtMs = System.currentTimeMillis();
    /** Subscribed track sid → the subscriber's latest settings (HIGH until it sends UpdateTrackSettings). */
    final Map<String, UpdateTrackSettings> subscriptions = new LinkedHashMap<>();
    final List<SignalRequest> trace = new ArrayList<>();
    /** Tracks announced with AddTrackRequest, by client id (cid), until their media arrives. */
    final Map<String, LivekitModels.TrackInfo> pendingTracks = new LinkedHashMap<>();
    /** Tracks whose media arrived on the publisher connection, by track sid. */
    final Map<String, LivekitModels.TrackInfo> publishedTracks = new LinkedHashMap<>();
    final String publisherPcId;
    boolean publisherPcCreated;
    int publisherOfferId;
    SignalConnection socket;
    State state = State.ACTIVE;
    int version;
    int offerId;
    boolean awaitingAnswer;
    boolean renegotiate;
    boolean pendingIceRestart;
    boolean mediaDropped;
    /** The break-media fault: media stays dropped, yet resumes are accepted (no ICE restart can get through). */
    boolean resumeWithoutMedia;
    /** A peer connection of this participant has connected (livekit-server's ACTIVE state). */
    boolean connected;
    /** Subscriptions to track sids not (yet) published, each with its SE_TRACK_NOTFOUND timer. */
    final Map<String, ScheduledFuture<?>> awaitedTracks = new LinkedHashMap<>();
    ScheduledFuture<?> departure;
    ScheduledFuture<?> refresh;

    Participant(Room room, JoinGrant grant, int protocol, boolean autoSubscribe, SignalConnection socket) {
        this.room = room;
        this.grant = grant;
        this.protocol = protocol;
        this.autoSubscribe = autoSubscribe;
        this.socket = socket;
        this.pcId = sid + "/subscriber";
        this.publisherPcId = sid + "/publisher";
    }

    String identity() {
        return grant.identity();
    }

    void moveTo(State next) {
        boolean allowed = switch (state) {
            case ACTIVE -> next == State.DETACHED || next == State.GONE;
            case DETACHED -> next == State.ACTIVE || next == State.GONE;
            case GONE -> false;
        };
        if (!allowed) {
            throw new IllegalStateException(identity() + ": " + state + " -> " + next);
        }
        state = next;
    }

    void send(SignalResponse response) {
        if (socket != null) {
            socket.send(response);
        }
    }

    ParticipantInfo info() {
        ParticipantInfo.Builder info = ParticipantInfo.newBuilder().setSid(sid).setIdentity(identity())
                .setName(grant.name()).setMetadata(grant.metadata()).setJoinedAt(joinedAtMs / 1000)
                .setJoinedAtMs(joinedAtMs).setVersion(version).setClientProtocol(protocol)
                .setKind(ParticipantInfo.Kind.STANDARD)
                .setPermission(LivekitModels.ParticipantPermission.newBuilder().setCanPublish(grant.canPublish())
                        .setCanSubscribe(grant.canSubscribe()).setCanPublishData(grant.canPublishData())
                        .setHidden(grant.hidden()));
        if (state == State.GONE) {
            info.setState(ParticipantInfo.State.DISCONNECTED);
        } else {
            info.setState(ParticipantInfo.State.ACTIVE).setIsPublisher(!publishedTracks.isEmpty())
                    .addAllTracks(publishedTracks.values());
        }
        return info.build();
    }
}
