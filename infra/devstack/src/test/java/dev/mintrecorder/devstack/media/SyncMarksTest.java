package dev.mintrecorder.devstack.media;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyncMarksTest {
    @Test
    void aFrameFlashesEveryThreeSecondsOfFrames() {
        assertFalse(SyncMarks.isMark(0, 15), "not the very first frame");
        assertTrue(SyncMarks.isMark(45, 15));
        assertFalse(SyncMarks.isMark(46, 15));
        assertTrue(SyncMarks.isMark(90, 30));
        assertEquals(45, SyncMarks.framesToNextMark(45, 15));
        assertEquals(1, SyncMarks.framesToNextMark(44, 15));
    }

    @Test
    void theClickLandsAtTheFlashsInstantInTheChunkThatHoldsIt() {
        long chunkStart = 1_000_000_000L;
        // 2.5 ms into a 10 ms chunk of 480 samples: sample 120.
        assertEquals(120, SyncMarks.clickOffset(chunkStart + 2_500_000L, chunkStart, 480, 48_000));
        assertEquals(0, SyncMarks.clickOffset(chunkStart, chunkStart, 480, 48_000));
        assertEquals(-1, SyncMarks.clickOffset(chunkStart + 10_000_000L, chunkStart, 480, 48_000), "the next chunk's");
        // A tick that ran late: the click starts the chunk.
        assertEquals(0, SyncMarks.clickOffset(chunkStart - 4_000_000L, chunkStart, 480, 48_000));
        assertEquals(-1, SyncMarks.clickOffset(chunkStart - 10_000_000L, chunkStart, 480, 48_000));
    }

    @Test
    void theClickIsASquareWaveFarAboveTheTone() {
        assertEquals(SyncMarks.CLICK_LEVEL, SyncMarks.clickSample(0));
        assertEquals(-SyncMarks.CLICK_LEVEL, SyncMarks.clickSample(8));
        assertTrue(SyncMarks.CLICK_THRESHOLD > 8000 && SyncMarks.CLICK_THRESHOLD < SyncMarks.CLICK_LEVEL);
    }
}
