package dev.mintrecorder.worker.pipeline;

import dev.mintrecorder.contracts.StatusEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Segments that never reached storage and that no SEGMENT event has reported yet. A loss is reported on the next
 * segment indexed after it, the one the playlist's discontinuity sits before. Confined to the recording's controller.
 */
final class LostSegments {
    private record One(long sequence, double durationS, String why) {}

    private final List<One> unreported = new ArrayList<>();

    void add(long sequence, double durationS, String why) {
        unreported.add(new One(sequence, durationS, why));
    }

    /** The losses before {@code sequence} not reported yet, now reported; empty if none. */
    Optional<StatusEvent.Lost> before(long sequence) {
        List<One> before = unreported.stream().filter(l -> l.sequence() < sequence).toList();
        if (before.isEmpty()) {
            return Optional.empty();
        }
        unreported.removeAll(before);
        long first = before.stream().mapToLong(One::sequence).min().orElseThrow();
        double seconds = before.stream().mapToDouble(One::durationS).sum();
        return Optional.of(new StatusEvent.Lost(first, before.size(), Math.round(seconds * 1000) / 1000.0,
                before.getLast().why()));
    }
}
