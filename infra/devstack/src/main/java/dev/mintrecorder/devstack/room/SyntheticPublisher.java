package dev.mintrecorder.devstack.room;

import java.util.List;
import livekit.LivekitModels;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;

/** The room's synthetic publisher as other participants see it: a participant with a camera and a microphone track. */
final class SyntheticPublisher {
    final String sid = Ids.next("PA_");
    final SyntheticPublisherSpec spec;
    final long joinedAtMs = System.currentTimeMillis();
    int width;
    int height;
    String videoSid;
    String audioSid;
    boolean published;
    boolean left;
    int version;

    SyntheticPublisher(SyntheticPublisherSpec spec) {
        this.spec = spec;
        this.width = spec.width();
        this.height = spec.height();
        newTracks();
    }

    void newTracks() {
        videoSid = Ids.next("TR_");
        audioSid = Ids.next("TR_");
        published = true;
    }

    boolean hasTrack(String trackSid) {
        return published && !left && (trackSid.equals(videoSid) || trackSid.equals(audioSid));
    }

    boolean isVideo(String trackSid) {
        return trackSid.equals(videoSid);
    }

    String streamId(String trackSid) {
        return sid + "|" + trackSid;
    }

    /** livekit-client's default simulcast layers for this camera size (simulcast is on by default). */
    List<LivekitModels.VideoLayer> layers() {
        return Layers.cameraDefaults(width, height);
    }

    /** libwebrtc encodes VP8 simulcast with three temporal layers per stream; a single stream has one. */
    int temporalLayers() {
        return layers().size() > 1 ? 3 : 1;
    }

    // TrackInfo.simulcast and .layers are deprecated in favour of codecs, but livekit-server still fills them and
    // clients read the layer sizes from them.
    @SuppressWarnings("deprecation")
    TrackInfo videoTrack() {
        List<LivekitModels.VideoLayer> layers = Layers.announced(layers());
        return TrackInfo.newBuilder().setSid(videoSid).setType(LivekitModels.TrackType.VIDEO)
                .setName("camera").setSource(LivekitModels.TrackSource.CAMERA).setWidth(width).setHeight(height)
                .setSimulcast(layers.size() > 1).addAllLayers(layers).setMimeType(spec.videoMime())
                .addCodecs(LivekitModels.SimulcastCodecInfo.newBuilder().setMimeType(spec.videoMime())
                        .addAllLayers(layers))
                .setStream("camera").build();
    }

    TrackInfo audioTrack() {
        return TrackInfo.newBuilder().setSid(audioSid).setType(LivekitModels.TrackType.AUDIO).setName("microphone")
                .setSource(LivekitModels.TrackSource.MICROPHONE).setMimeType("audio/opus").setStream("camera").build();
    }

    ParticipantInfo info() {
        ParticipantInfo.Builder info = ParticipantInfo.newBuilder().setSid(sid).setIdentity(spec.identity())
                .setName(spec.identity()).setJoinedAt(joinedAtMs / 1000).setJoinedAtMs(joinedAtMs)
                .setVersion(version).setKind(ParticipantInfo.Kind.STANDARD)
                .setPermission(LivekitModels.ParticipantPermission.newBuilder().setCanPublish(true)
                        .setCanSubscribe(true).setCanPublishData(true));
        if (left) {
            return info.setState(ParticipantInfo.State.DISCONNECTED)
                    .setDisconnectReason(LivekitModels.DisconnectReason.PARTICIPANT_REMOVED).build();
        }
        info.setState(ParticipantInfo.State.ACTIVE).setIsPublisher(published);
        if (published) {
            info.addTracks(videoTrack()).addTracks(audioTrack());
        }
        return info.build();
    }
}
