package dev.mintrecorder.worker.jobs;

import dev.mintrecorder.contracts.RecordingJob;
import dev.mintrecorder.worker.events.JobEvents;

/**
 * What a {@link RecordingSessionFactory} gets for one attempt.
 *
 * @param job the job as it was on the topic
 * @param attempt the attempt number every status event of this attempt carries (job attempt + redeliveries)
 * @param resume whether an earlier attempt recorded part of this job (crash failover or handover): the session salvages
 *               open uploads, continues the segment numbers and marks a discontinuity
 * @param workerId this worker
 * @param events where the session reports JOINED, SEGMENT, STALLED and TARGET_LEFT
 */
public record SessionContext(RecordingJob job, int attempt, boolean resume, String workerId, JobEvents events) {}
