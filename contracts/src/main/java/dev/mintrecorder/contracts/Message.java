package dev.mintrecorder.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Every value on the system's topics.
 *
 * <p><b>Versioning rule.</b> Every message carries {@code "schema": N}, an integer <em>major</em> version, currently
 * {@link #SCHEMA}. Within one major version a message may gain optional fields: readers tolerate and ignore fields they
 * do not know, so producers can be upgraded first. A change that a reader cannot safely ignore (a removed or renamed
 * field, a changed meaning, a new required field, a new enum value or status type) bumps the major version. A reader
 * rejects a message whose {@code schema} is missing, not an integer, below 1, or above the newest version it knows,
 * with an {@link InvalidMessageException} naming the version, rather than guess at its meaning.
 */
public sealed interface Message permits RecordingJob, StopCommand, StatusEvent, MemoryAlarm, DlqRecord {
    /** The major schema version this code writes and the newest it reads. */
    int SCHEMA = 1;

    /** Written on every message; on read it is checked by {@link Messages} before binding. */
    @JsonProperty("schema")
    default int schema() {
        return SCHEMA;
    }
}
