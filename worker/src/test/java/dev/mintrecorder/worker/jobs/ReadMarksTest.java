package dev.mintrecorder.worker.jobs;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ReadMarksTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    @Test
    void aPartitionThatNeverStopsGrowingIsJudgedAsOfTheLastMarkReached() {
        ReadMarks marks = new ReadMarks();
        long end = 100;
        long position = 90;
        assertEquals(Set.of(0), marks.toAsk(Map.of(0, position)));
        marks.asked(Map.of(0, end), T0);
        assertEquals(Map.of(), marks.asOf(), "nothing is known before the first mark is reached");
        // Every round the guardian reads past the last mark while ten more events arrive: never at the end.
        for (int round = 1; round <= 5; round++) {
            position = end + 5;
            end += 10;
            Instant now = T0.plusMillis(500L * round);
            assertEquals(Set.of(0), marks.toAsk(Map.of(0, position)));
            marks.asked(Map.of(0, end), now);
            assertEquals(Map.of(0, now.minusMillis(500)), marks.asOf(), "round " + round);
        }
    }

    @Test
    void aMarkNotYetReachedIsNotAskedAgainAndKeepsTheOlderInstant() {
        ReadMarks marks = new ReadMarks();
        marks.toAsk(Map.of(0, 0L, 1, 0L));
        marks.asked(Map.of(0, 10L, 1, 10L), T0);
        assertEquals(Set.of(1), marks.toAsk(Map.of(0, 9L, 1, 10L)), "partition 0 is still short of its mark");
        marks.asked(Map.of(1, 20L), T0.plusSeconds(1));
        assertEquals(Map.of(1, T0), marks.asOf());
        assertEquals(Set.of(0), marks.toAsk(Map.of(0, 10L, 1, 15L)));
        assertEquals(Map.of(0, T0, 1, T0), marks.asOf());
    }

    @Test
    void aForgottenPartitionStartsAfresh() {
        ReadMarks marks = new ReadMarks();
        marks.toAsk(Map.of(3, 0L));
        marks.asked(Map.of(3, 0L), T0);
        marks.toAsk(Map.of(3, 0L));
        assertEquals(Map.of(3, T0), marks.asOf());
        marks.forget(3);
        assertEquals(Map.of(), marks.asOf());
        assertEquals(Set.of(3), marks.toAsk(Map.of(3, 5L)));
    }
}
