package dev.mintrecorder.worker.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SegmentBuffersTest {
    @Test
    void givesBackTheSameArraysMostRecentFirst() {
        SegmentBuffers buffers = new SegmentBuffers(2);
        byte[] a = new byte[10];
        byte[] b = new byte[20];
        buffers.give(a);
        buffers.give(b);
        assertEquals(30, buffers.idleBytes());
        assertSame(b, buffers.take());
        assertSame(a, buffers.take());
        assertSame(SegmentBuffers.NONE, buffers.take(), "none idle: the stream grows one of its own");
        assertEquals(0, buffers.idleBytes());
    }

    @Test
    void keepsAtMostItsBound() {
        SegmentBuffers buffers = new SegmentBuffers(1);
        byte[] kept = new byte[10];
        buffers.give(kept);
        buffers.give(new byte[10]);
        buffers.give(SegmentBuffers.NONE);
        assertEquals(10, buffers.idleBytes());
        assertSame(kept, buffers.take());
        assertSame(SegmentBuffers.NONE, buffers.take());
    }

    @Test
    void refusesANegativeBound() {
        assertThrows(IllegalArgumentException.class, () -> new SegmentBuffers(-1));
    }
}
