package dev.mintrecorder.worker.jobs;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How far a guardian has read its status partitions, in time. It asks the broker for a partition's end offset and
 * notes when it asked; once its position reaches that offset it has every event appended before that instant, and it
 * asks again. A partition that never stops growing is never read "to its end", so judging only partitions at their end
 * would judge nothing under steady traffic; judging as of the last mark reached lags now by a poll or two instead.
 * Pure: the guardian feeds it positions and answers.
 */
final class ReadMarks {
    private record Mark(long offset, Instant at) {}

    private final Map<Integer, Mark> asked = new HashMap<>();
    private final Map<Integer, Instant> readAsOf = new HashMap<>();

    /**
     * Notes the marks reached at these positions and returns the partitions to ask an end offset for: those with no
     * mark outstanding.
     */
    Set<Integer> toAsk(Map<Integer, Long> positions) {
        Set<Integer> ask = new HashSet<>();
        positions.forEach((partition, position) -> {
            Mark mark = asked.get(partition);
            if (mark != null && position >= mark.offset()) {
                readAsOf.put(partition, mark.at());
                asked.remove(partition);
                mark = null;
            }
            if (mark == null) {
                ask.add(partition);
            }
        });
        return ask;
    }

    /** The broker's end offsets, asked for at {@code at} (taken before the request). */
    void asked(Map<Integer, Long> ends, Instant at) {
        ends.forEach((partition, end) -> asked.put(partition, new Mark(end, at)));
    }

    /** For each partition read up to a mark: the instant as of which every event of it has been read. */
    Map<Integer, Instant> asOf() {
        return Map.copyOf(readAsOf);
    }

    /** The partition is no longer this guardian's (revoked, lost, or assigned anew and read again). */
    void forget(int partition) {
        asked.remove(partition);
        readAsOf.remove(partition);
    }
}
