package dev.mintrecorder.contracts;

/**
 * What a caller may choose about a recording; everything else is decided by the worker. Nulls mean "the default"
 * (room = mint_id, first publisher, {@value Validation#MAX_DURATION_S_DEFAULT} s, {@value Validation#SEGMENT_S_DEFAULT} s
 * segments, {@link VideoCap#DEFAULT}). Values are validated when the job is built, before anything is sent.
 */
public record StartOptions(String room, String targetIdentity, Integer maxDurationS, Integer segmentS, VideoCap video) {
    public static final StartOptions DEFAULTS = new StartOptions(null, null, null, null, null);

    public StartOptions withRoom(String room) {
        return new StartOptions(room, targetIdentity, maxDurationS, segmentS, video);
    }

    public StartOptions withTarget(String targetIdentity) {
        return new StartOptions(room, targetIdentity, maxDurationS, segmentS, video);
    }

    public StartOptions withMaxDurationS(int maxDurationS) {
        return new StartOptions(room, targetIdentity, maxDurationS, segmentS, video);
    }

    public StartOptions withSegmentS(int segmentS) {
        return new StartOptions(room, targetIdentity, maxDurationS, segmentS, video);
    }

    public StartOptions withVideo(VideoCap video) {
        return new StartOptions(room, targetIdentity, maxDurationS, segmentS, video);
    }
}
