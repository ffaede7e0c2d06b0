package dev.mintrecorder.worker.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.MintId;
import dev.mintrecorder.contracts.RecordingJob;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

/**
 * One record of the {@link dev.mintrecorder.contracts.Topics#LEASES} table: where a job stands. Keyed by job_id, so
 * every job has its own row and compaction keeps its latest state; the rows of one mint share a partition.
 *
 * @param state where the job stands
 * @param job the job itself (a guardian re-enqueues it from here when its worker dies)
 * @param workerId the worker that wrote this state (the holder while {@link State#CLAIMED})
 * @param attempt the attempt this state belongs to
 * @param order the job's place among the claims of its mint: the offset of its first CLAIMED record, or
 *        {@link #FIRST_CLAIM} on that record itself. The earliest active job of a mint holds it.
 * @param at when the state was written (the writer's clock; informational)
 */
record Lease(State state, RecordingJob job, String workerId, int attempt, long order, Instant at) {
    /** The order of a first claim: its own offset, known only once written. */
    static final long FIRST_CLAIM = -1;

    /** The states of a lease. A job is active while CLAIMED or REQUEUED. */
    enum State {
        /** A worker records the job (or is starting to). */
        CLAIMED,
        /** The job is back on the jobs topic as attempt {@code attempt}; the next worker to claim it resumes it. */
        REQUEUED,
        /** The job reached its end (a terminal event was published), or lost its mint to an earlier claim. */
        ENDED;

        boolean active() {
            return this != ENDED;
        }
    }

    UUID jobId() {
        return job.jobId();
    }

    MintId mintId() {
        return job.mintId();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    byte[] encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("state", state.name());
        n.put("worker_id", workerId);
        n.put("attempt", attempt);
        n.put("order", order);
        n.put("at", at.toString());
        n.set("job", Messages.toTree(job));
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a lease", e);
        }
    }

    /** Reads a lease; throws {@link InvalidMessageException} for anything else. */
    static Lease decode(byte[] raw) {
        try {
            JsonNode n = JSON.readTree(raw);
            RecordingJob job = Messages.decodeJob(JSON.writeValueAsBytes(n.required("job")));
            return new Lease(State.valueOf(n.required("state").asText()), job, n.required("worker_id").asText(),
                    n.required("attempt").asInt(), n.required("order").asLong(),
                    Instant.parse(n.required("at").asText()));
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidMessageException ime) {
                throw ime;
            }
            throw new InvalidMessageException("not a lease: " + e.getMessage());
        }
    }
}
