package dev.mintrecorder.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class S3KeysTest {
    private static final String PREFIX =
            "recordings/7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr/3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f/";

    @Test
    void layoutMatchesTheDesign() {
        assertEquals(PREFIX, S3Keys.jobPrefix(Samples.job()));
        assertEquals(PREFIX + "seg_000000.ts", S3Keys.segment(Samples.MINT, Samples.JOB, 0));
        assertEquals(PREFIX + "seg_000123.ts", S3Keys.segment(Samples.MINT, Samples.JOB, 123));
        assertEquals(PREFIX + "seg_999999.ts", S3Keys.segment(Samples.MINT, Samples.JOB, S3Keys.MAX_SEQ));
        assertEquals(PREFIX + "index.m3u8", S3Keys.playlist(Samples.MINT, Samples.JOB));
        assertEquals(PREFIX + "manifest.json", S3Keys.manifest(Samples.MINT, Samples.JOB));
    }

    @Test
    void sequenceOutsideTheFixedWidthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> S3Keys.segment(Samples.MINT, Samples.JOB, -1));
        assertThrows(IllegalArgumentException.class, () -> S3Keys.segment(Samples.MINT, Samples.JOB, 1_000_000));
    }

    @Test
    void aPathCannotBeSmuggledThroughAMintId() {
        var e = assertThrows(InvalidMessageException.class,
                () -> new MintId("../../../../etc/passwd/aaaaaaaaaaaaaaaaaaaa"));
        assertEquals("invalid mint_id: character '.' at index 0 is not base58 (no 0, O, I, l)", e.reason());
    }
}
