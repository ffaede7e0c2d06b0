package dev.mintrecorder.worker.room;

import java.util.Objects;

/**
 * What one recording asks of a room.
 *
 * @param room the LiveKit room name
 * @param targetIdentity the participant to record, or null for the first one that publishes video
 * @param layerCap the largest layer to subscribe to
 * @param mintId the recording's mint, for logs and metrics
 * @param jobId the job, for logs; also makes the recorder's identity unique per job
 */
public record RoomRequest(String room, String targetIdentity, LayerCap layerCap, String mintId, String jobId) {
    public RoomRequest {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(layerCap, "layerCap");
        Objects.requireNonNull(mintId, "mintId");
        Objects.requireNonNull(jobId, "jobId");
    }

    /** The recorder's participant identity: one per job, so a resumed job on another worker is a new participant. */
    public String recorderIdentity() {
        return "recorder-" + jobId;
    }
}
