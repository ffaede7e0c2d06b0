package dev.mintrecorder.worker.memory;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real sampler in this JVM: /proc/self/status, the heap, direct buffers. */
class MemorySamplerTest {
    @Test
    void samplesThisProcess() {
        ByteBuffer direct = ByteBuffer.allocateDirect(4 * 1024 * 1024);
        ProcessMemory m = MemorySampler.jvm().sample();
        assertTrue(m.rssBytes() > 16 * 1024 * 1024, "rss " + m.rssBytes());
        assertTrue(m.heapBytes() > 0, "heap " + m.heapBytes());
        assertTrue(m.directBytes() >= direct.capacity(), "direct " + m.directBytes());
        assertTrue(m.javacppBytes() >= 0);
    }
}
