package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FallbackCopiesTest {
    private static final byte[] BYTES = "a segment's bytes".getBytes(StandardCharsets.UTF_8);
    private static final String CRC = Crc32c.of(BYTES, 0, BYTES.length);

    private static void add(FallbackCopies copies, long seq) {
        copies.add("seg_%06d.ts".formatted(seq), new SegmentDone(seq, 2.0, false, BYTES.length, null, FrameLoss.NONE), CRC,
                BYTES.length);
    }

    @Test
    void segmentsAreCopiedBackLowestFirstAndLeaveOnlyOnceDeleted() throws Exception {
        FallbackCopies copies = new FallbackCopies();
        add(copies, 5);
        add(copies, 3);
        add(copies, 4);
        FallbackCopies.Copy first = copies.first().orElseThrow();
        assertEquals(3, first.sequence());
        assertFalse(first.inPrimary());

        assertFalse(copies.awaitCopied(1));
        copies.copied(first);
        FallbackCopies.Copy copied = copies.first().orElseThrow();
        assertEquals(3, copied.sequence(), "still first: its fallback copy is not deleted yet");
        assertTrue(copied.inPrimary(), "the next step only deletes it");
        copies.remove(copied);
        assertEquals(4, copies.first().orElseThrow().sequence());
        assertFalse(copies.awaitCopied(1));
        copies.copied(copies.first().orElseThrow());
        copies.remove(copies.first().orElseThrow());
        copies.copied(copies.first().orElseThrow());
        assertTrue(copies.awaitCopied(0), "5 is in the primary; only its fallback copy is left to delete");
        assertFalse(copies.isEmpty());

        assertEquals(List.of(5L), copies.clear().stream().map(FallbackCopies.Copy::sequence).toList());
        assertTrue(copies.isEmpty());
    }

    @Test
    void aCopyReadBackIsVerifiedByLengthAndCrc32c() {
        FallbackCopies copies = new FallbackCopies();
        add(copies, 0);
        FallbackCopies.Copy c = copies.first().orElseThrow();
        assertEquals(Optional.empty(), FallbackCopies.mismatch(c, BYTES.clone()));

        byte[] flipped = BYTES.clone();
        flipped[3] ^= 1;
        assertTrue(FallbackCopies.mismatch(c, flipped).orElseThrow().contains("CRC32C"),
                FallbackCopies.mismatch(c, flipped).toString());
        assertEquals(Optional.of("the fallback's copy holds 3 bytes, not " + BYTES.length),
                FallbackCopies.mismatch(c, new byte[3]));
    }

    @Test
    void aManifestWithoutChecksumsIsCheckedByLengthOnly() {
        byte[] flipped = BYTES.clone();
        flipped[3] ^= 1;
        assertEquals(Optional.empty(), FallbackCopies.mismatch(BYTES.length, null, flipped));
        assertEquals(Optional.of("holds 3 bytes, not " + BYTES.length),
                FallbackCopies.mismatch(BYTES.length, null, new byte[3]));
    }
}
