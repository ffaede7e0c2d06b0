package dev.mintrecorder.contracts;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A job the worker could not accept, on {@link Topics#JOBS_DLQ} under the original key. The raw bytes travel as
 * base64 (Jackson's byte[] form), so even invalid UTF-8 survives for inspection.
 *
 * @param raw    the record value exactly as consumed (may be empty, never null)
 * @param reason the {@link InvalidMessageException} reason
 * @param source where it was consumed from
 */
public record DlqRecord(byte[] raw, String reason, Source source, Instant at) implements Message {
    public DlqRecord {
        raw = Validation.required("raw", raw).clone();
        Validation.text("reason", reason);
        Validation.required("source", source);
        Validation.timestamp("at", at);
    }

    /** Kafka coordinates of the original record. */
    public record Source(String topic, int partition, long offset) {
        public Source {
            Validation.safeName("source.topic", topic);
            Validation.nonNegative("source.partition", partition);
            Validation.nonNegative("source.offset", offset);
        }
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    // Records compare arrays by identity; a DLQ record is a value, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof DlqRecord d && Arrays.equals(raw, d.raw) && reason.equals(d.reason)
                && source.equals(d.source) && at.equals(d.at);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(raw) + Objects.hash(reason, source, at);
    }

    @Override
    public String toString() {
        return "DlqRecord[raw=" + raw.length + " bytes, reason=" + reason + ", source=" + source + ", at=" + at + "]";
    }
}
