package dev.mintrecorder.recorderctl;

import dev.mintrecorder.contracts.DlqRecord;
import dev.mintrecorder.contracts.InvalidMessageException;
import dev.mintrecorder.contracts.Messages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * A dead-lettered job, whichever topic it came from.
 *
 * <ul>
 * <li>{@link dev.mintrecorder.contracts.Topics#JOBS_DLQ}: the worker's dead letters, a {@link DlqRecord} with the raw
 * bytes, the validation reason and the source offset.</li>
 * <li>{@link dev.mintrecorder.contracts.Topics#JOBS_BROKER_DLQ} ({@code --broker}): jobs the broker archived after
 * the share group's delivery limit (KIP-1191); the value is the job itself and the reason is in
 * {@code __dlq.errors.*} headers.</li>
 * </ul>
 *
 * @param record the dead letter as read
 * @param raw    the job's bytes, to replay
 * @param reason why it was dead-lettered
 * @param source where the job was first consumed, if known
 * @param at     when it was dead-lettered
 */
record DeadLetter(ConsumerRecord<String, byte[]> record, byte[] raw, String reason, String source, Instant at) {
    static final String BROKER_HEADER_PREFIX = "__dlq.errors";

    static DeadLetter fromWorkerDlq(ConsumerRecord<String, byte[]> r) {
        try {
            DlqRecord d = Messages.decodeDlq(r.value());
            return new DeadLetter(r, d.raw(), d.reason(),
                    d.source().topic() + "-" + d.source().partition() + "@" + d.source().offset(), d.at());
        } catch (InvalidMessageException e) {
            return new DeadLetter(r, null, "(undecodable DLQ record: " + e.reason() + ")", "?",
                    Instant.ofEpochMilli(r.timestamp()));
        }
    }

    /**
     * A broker copy. The broker knows no reason beyond "rejected by client" or "delivery count exceeded"; where a worker
     * rejected the record, its own dead letter (found by the source coordinates in {@code workerReasons}, keyed
     * "topic-partition@offset") says why, and that reason is shown first.
     */
    static DeadLetter fromBrokerDlq(ConsumerRecord<String, byte[]> r, Map<String, String> workerReasons) {
        String headers = StreamSupport.stream(r.headers().spliterator(), false)
                .filter(h -> h.key().startsWith(BROKER_HEADER_PREFIX))
                .map(DeadLetter::header)
                .collect(Collectors.joining(", "));
        String source = header(r, "topic") == null ? "?"
                : header(r, "topic") + "-" + header(r, "partition") + "@" + header(r, "offset");
        String fromBroker = headers.isEmpty() ? "archived by the broker" : headers;
        String worker = workerReasons.get(source);
        return new DeadLetter(r, r.value(), worker == null ? fromBroker : worker + " (worker); " + fromBroker, source,
                Instant.ofEpochMilli(r.timestamp()));
    }

    /** The coordinates a worker dead letter names, "topic-partition@offset", as the broker copy's headers give them. */
    String sourceKey() {
        return source;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(BROKER_HEADER_PREFIX + "." + name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String header(Header h) {
        String value = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
        return h.key().substring(BROKER_HEADER_PREFIX.length()).replaceFirst("^\\.", "") + "=" + value;
    }

    String human() {
        String n = System.lineSeparator();
        return "offset=" + record.offset() + (record.partition() == 0 ? "" : " partition=" + record.partition())
                + "  " + at + "  key=" + record.key() + "  source=" + source + n
                + "    reason: " + reason + n
                + "    raw (" + (raw == null ? 0 : raw.length) + " bytes): " + Render.preview(raw);
    }
}
