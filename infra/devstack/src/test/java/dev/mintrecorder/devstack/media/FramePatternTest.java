package dev.mintrecorder.devstack.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FramePatternTest {

    @Test
    void roundTripsFrameNumbers() {
        int w = 320;
        int h = 240;
        byte[] luma = new byte[w * h];
        for (long frame : new long[] {0, 1, 2, 255, 65_535, 1_000_003, 0xFFFF_FFFFL}) {
            FramePattern.encode(frame, luma, w, w, h);
            assertEquals(OptionalLong.of(frame), FramePattern.decode(luma, w, w, h));
        }
    }

    @Test
    void survivesDownscaleToAQuarterAndNoise() {
        int w = 320;
        int h = 240;
        byte[] luma = new byte[w * h];
        FramePattern.encode(123_456, luma, w, w, h);
        // Box-filter downscale by 4 (what a LOW layer or the encoder's scaler does), then add noise and shift levels.
        int sw = w / 4;
        int sh = h / 4;
        int stride = sw + 16;
        byte[] small = new byte[stride * sh];
        Random random = new Random(7);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int sum = 0;
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        sum += luma[(y * 4 + dy) * w + x * 4 + dx] & 0xFF;
                    }
                }
                int value = sum / 16 / 2 + 40 + random.nextInt(31) - 15;
                small[y * stride + x] = (byte) Math.clamp(value, 0, 255);
            }
        }
        assertEquals(OptionalLong.of(123_456), FramePattern.decode(small, stride, sw, sh));
    }

    @Test
    void survivesOddSizesAndUpscale() {
        int w = 1920;
        int h = 1080;
        byte[] luma = new byte[w * h];
        FramePattern.encode(42, luma, w, w, h);
        // Nearest-neighbour scale to an odd size.
        int sw = 333;
        int sh = 187;
        byte[] scaled = new byte[sw * sh];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                scaled[y * sw + x] = luma[(y * h / sh) * w + x * w / sw];
            }
        }
        assertEquals(OptionalLong.of(42), FramePattern.decode(scaled, sw, sw, sh));
    }

    @Test
    void rejectsFramesWithoutThePattern() {
        int w = 64;
        int h = 48;
        byte[] flat = new byte[w * h];
        assertTrue(FramePattern.decode(flat, w, w, h).isEmpty());
        byte[] luma = new byte[w * h];
        FramePattern.encode(99, luma, w, w, h);
        // Flip one payload cell (row 3, column 0): the check must catch it.
        int cellW = w / FramePattern.GRID;
        int cellH = h / FramePattern.GRID;
        for (int y = 3 * cellH; y < 4 * cellH; y++) {
            for (int x = 0; x < cellW; x++) {
                luma[y * w + x] = (byte) (255 - (luma[y * w + x] & 0xFF));
            }
        }
        assertTrue(FramePattern.decode(luma, w, w, h).isEmpty());
    }
}
