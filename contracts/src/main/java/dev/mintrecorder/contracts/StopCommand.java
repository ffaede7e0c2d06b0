package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.Locale;

/**
 * STOP: end the recording of {@code mintId}. Produced on {@link Topics#CONTROL} keyed by mint_id (a compacted topic,
 * so the latest command per mint is what every worker's table holds).
 *
 * @param jobId which recording to stop: one job, or {@link JobSelector#ANY} for whatever is recording that mint
 */
public record StopCommand(MintId mintId, JobSelector jobId, Instant requestedAt, String reason) implements Message {
    public StopCommand {
        Validation.required("mint_id", mintId);
        Validation.required("job_id", jobId);
        Validation.timestamp("requested_at", requestedAt);
        Validation.text("reason", reason);
    }

    /** Whether this command stops the given job of its mint, requested before the command. */
    public boolean stops(UUID job) {
        return jobId.matches(job);
    }

    /** A job id or {@code "any"} on the wire. */
    public record JobSelector(Optional<UUID> job) {
        public static final JobSelector ANY = new JobSelector(Optional.empty());
        private static final String ANY_WIRE = "any";

        public JobSelector {
            Validation.required("job_id", job);
        }

        public static JobSelector of(UUID job) {
            return new JobSelector(Optional.of(Validation.required("job_id", job)));
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static JobSelector fromWire(String wire) {
            if (ANY_WIRE.equals(wire)) {
                return ANY;
            }
            try {
                UUID parsed = UUID.fromString(wire);
                if (!parsed.toString().equals(wire.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException();
                }
                return of(parsed);
            } catch (IllegalArgumentException e) {
                throw new InvalidMessageException("invalid job_id: must be a UUID or \"any\"");
            }
        }

        @JsonValue
        String toWire() {
            return job.map(UUID::toString).orElse(ANY_WIRE);
        }

        public boolean matches(UUID candidate) {
            return job.map(j -> j.equals(candidate)).orElse(true);
        }
    }
}
