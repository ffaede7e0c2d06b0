package dev.mintrecorder.worker.media;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AudioEncoderTest {
    private static final AudioChunk CHUNK = new AudioChunk(new byte[480 * 2], 48_000, 1, 480, 0);

    /**
     * Audio that ran 100 ms ahead of its timestamps (NetEq stretched it while its delay grew) is trimmed by 100 ms,
     * though the FIFO holds less than that: the rest is dropped from the chunks that follow, and the position the
     * timeline sees counts the whole trim at once. (Capped at the FIFO, as before, the position stayed 75 ms ahead.)
     */
    @Test
    void aTrimLargerThanTheFifoIsTakenFromTheChunksThatFollow() {
        Consumer<AVPacket> out = pkt -> { };
        try (AudioEncoder enc = new AudioEncoder(64)) {
            for (int i = 0; i < 10; i++) {
                enc.write(CHUNK, 0, out);
            }
            assertEquals(4_800, enc.position());
            enc.write(CHUNK, 4_800, out);
            assertEquals(480, enc.position(), "100 ms trimmed at once");
            for (int i = 0; i < 20; i++) {
                enc.write(CHUNK, 0, out);
            }
            assertEquals(480 + 20 * 480, enc.position(), "the owed trim is not taken twice");
        }
    }
}
