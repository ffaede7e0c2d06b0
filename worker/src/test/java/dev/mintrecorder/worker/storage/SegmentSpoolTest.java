package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.media.FrameLoss;
import dev.mintrecorder.worker.media.SegmentDone;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentSpoolTest {
    private static SegmentDone done(long seq) {
        return new SegmentDone(seq, 2.0, false, 100, null, FrameLoss.NONE);
    }

    @Test
    void segmentsComeOutInSequenceOrderAndLeaveNoFileBehind(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SegmentSpool spool = new SegmentSpool(new SpoolConfig(dir, 1000, 600, Duration.ofMillis(100)), meters);
        SegmentSpool.Room room = spool.room(UUID.randomUUID());
        byte[] data = new byte[300];
        data[0] = 7;
        assertEquals(SpoolPolicy.Decision.SPOOL, room.put("k/seg_000005.ts", done(5), "crc5", data, 200));
        assertEquals(SpoolPolicy.Decision.SPOOL, room.put("k/seg_000004.ts", done(4), "crc4", data, 300));
        assertEquals(SpoolPolicy.Decision.DROP_ROOM_FULL, room.put("k/seg_000006.ts", done(6), "crc6", data, 300));
        assertEquals(500, spool.bytes());
        assertEquals(SpoolPolicy.Level.WARN, spool.level());
        assertEquals(1.0, meters.get("recorder.spool.level").gauge().value());
        assertEquals(1.0, meters.get("recorder.spool.lost").counter().count());

        SegmentSpool.Entry first = room.first().orElseThrow();
        assertEquals(4, first.sequence(), "the lowest sequence first, whatever the order they came in");
        assertArrayEquals(data, Files.readAllBytes(room.file(first)));
        Files.write(first.file(), new byte[10]);
        assertThrows(java.io.IOException.class, () -> room.file(first), "a file short of its bytes is not put");
        room.remove(first);
        SegmentSpool.Entry second = room.first().orElseThrow();
        assertEquals(5, second.sequence());
        assertEquals(200, Files.readAllBytes(room.file(second)).length, "only the bytes written");
        room.remove(second);
        assertTrue(room.awaitEmpty(0));
        assertEquals(0, spool.bytes());
        assertEquals(SpoolPolicy.Level.OK, spool.level());
        try (var files = Files.walk(dir)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList());
        }
    }

    @Test
    void whatARecordingLeavesIsDiscardedAndCountedLost(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SegmentSpool spool = new SegmentSpool(new SpoolConfig(dir, 1000, 1000, Duration.ofMillis(100)), meters);
        SegmentSpool.Room room = spool.room(UUID.randomUUID());
        room.put("k/seg_000001.ts", done(1), "c", new byte[10], 10);
        assertEquals(List.of(1L), room.discard().stream().map(SegmentSpool.Entry::sequence).toList());
        assertFalse(room.first().isPresent());
        assertEquals(0, spool.bytes());
        assertEquals(1.0, meters.get("recorder.spool.lost").counter().count());
    }

    @Test
    void filesAPreviousProcessLeftAreDeletedAtStart(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("old-job"));
        Files.write(dir.resolve("old-job/seg_000003.ts"), new byte[5]);
        new SegmentSpool(new SpoolConfig(dir, 1000, 1000, Duration.ofMillis(100)), new SimpleMeterRegistry());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
