package dev.mintrecorder.recorderctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.contracts.Messages;
import dev.mintrecorder.contracts.StatusEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Collectors;

/** How records are shown: one human line (or a few) per record, or one JSON object per line for scripts. */
final class Render {
    private Render() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static String status(StatusEvent e) {
        String head = e.at() + "  " + String.format("%-11s", typeOf(e)) + "  mint=" + e.mintId() + " job=" + e.jobId()
                + " worker=" + e.workerId() + (e.attempt() > 1 ? " attempt=" + e.attempt() : "");
        String detail = switch (e) {
            case StatusEvent.Segment s -> "seq=" + s.seq() + " bytes=" + bytes(s.bytes())
                    + String.format(Locale.ROOT, " duration=%.2fs", s.durationS()) + " dropped=" + s.droppedFrames()
                    + " key=" + s.key();
            case StatusEvent.Stalled s -> "track=" + s.track() + " gap=" + s.gapMs() + "ms";
            case StatusEvent.Stopped s -> code(s.code()) + "reason=" + s.reason() + recording(s.recording());
            case StatusEvent.Failed f -> code(f.code()) + "scope=" + f.scope() + " error=" + f.error()
                    + recording(f.recording());
            case StatusEvent.Rejected r -> (r.source() == null ? "" : "source=" + r.source().topic() + "-"
                    + r.source().partition() + "@" + r.source().offset() + " ") + "reason=" + r.reason();
            case StatusEvent.Accepted a -> "";
            case StatusEvent.Joined j -> "";
            case StatusEvent.Heartbeat h -> "";
            case StatusEvent.Resumed r -> "";
            case StatusEvent.TargetLeft t -> "";
            case StatusEvent.Duplicate d -> "";
        };
        return detail.isEmpty() ? head : head + "  " + detail;
    }

    /** An end or failure code; events written before codes existed have none. */
    private static String code(Enum<?> code) {
        return code == null ? "" : "code=" + code.name() + " ";
    }

    /** The finished recording a terminal event describes, on a line of its own under the event; "" when none. */
    static String recording(StatusEvent.Recording r) {
        if (r == null) {
            return "";
        }
        return System.lineSeparator() + "    recording s3://" + r.bucket() + "/" + r.playlistKey()
                + String.format(Locale.ROOT, " duration=%.1fs", r.durationS()) + " segments=" + r.segments()
                + " bytes=" + bytes(r.bytes()) + " dropped=" + r.droppedFrames() + " gaps=" + r.gaps()
                + (r.gaps() > 0 ? " (" + r.gapMs() + "ms)" : "") + " resumes=" + r.resumes() + " attempts="
                + r.attempts() + " started=" + r.startedAt() + " ended=" + r.endedAt();
    }

    static String alarm(MemoryAlarm a) {
        StringBuilder out = new StringBuilder()
                .append(a.at()).append("  ALARM ").append(String.format("%-9s", a.level()))
                .append(" worker=").append(a.workerId())
                .append(" rss=").append(bytes(a.rssBytes())).append(" budget=").append(bytes(a.budgetBytes()))
                .append(" heap=").append(bytes(a.heapBytes()))
                .append(" javacpp=").append(bytes(a.nativeBytes().javacppBytes()))
                .append(" direct=").append(bytes(a.nativeBytes().directBytes()))
                .append(" actions=").append(a.actions().stream().map(Enum::name).collect(Collectors.joining(",")));
        for (MemoryAlarm.Room r : a.rooms()) {
            out.append(System.lineSeparator()).append("    room mint=").append(r.mintId()).append(" job=")
                    .append(r.jobId()).append(" queue=").append(bytes(r.queueBytes())).append(" dropped=")
                    .append(r.dropped());
        }
        return out.toString();
    }

    /** A line the status/alarm parser could not read: shown, never hidden. */
    static String undecodable(ConsumerRecord<String, byte[]> record, String reason) {
        return record.topic() + "-" + record.partition() + "@" + record.offset() + "  (undecodable: " + reason + ")  "
                + preview(record.value());
    }

    /**
     * One JSON line: where the record is, and its value parsed as JSON (or as a string if it is not JSON), so a
     * script can pipe it into jq without losing the offset.
     */
    static String json(ConsumerRecord<String, byte[]> record) {
        ObjectNode line = JSON.createObjectNode()
                .put("topic", record.topic()).put("partition", record.partition()).put("offset", record.offset())
                .put("key", record.key());
        try {
            JsonNode value = record.value() == null ? null : JSON.readTree(record.value());
            line.set("value", value);
        } catch (JsonProcessingException e) {
            line.put("value_text", new String(record.value(), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return line.toString();
    }

    /** The wire name of the event's type (ACCEPTED, SEGMENT, ...), as the contracts write it. */
    static String typeOf(StatusEvent e) {
        return Messages.toTree(e).get("type").asText();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        do {
            v /= 1024;
            u++;
        } while (v >= 1024 && u < units.length - 1);
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String preview(byte[] raw) {
        if (raw == null) {
            return "(null)";
        }
        String text = new String(raw, StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        return text.length() > 160 ? text.substring(0, 160) + "…" : text;
    }
}
