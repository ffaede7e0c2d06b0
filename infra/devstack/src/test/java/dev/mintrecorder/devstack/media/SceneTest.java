package dev.mintrecorder.devstack.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SceneTest {
    private static final int W = 1280;
    private static final int H = 720;

    private static byte[] frame(Scene scene, long n, boolean flash) {
        byte[] i420 = new byte[W * H * 3 / 2];
        scene.render(n, flash, W, H, i420);
        return i420;
    }

    @Test
    void cameraFrameIsAFunctionOfItsNumber() {
        byte[] a = frame(Scene.CAMERA, 1234, false);
        frame(Scene.CAMERA, 77, false);
        assertArrayEquals(a, frame(Scene.CAMERA, 1234, false));
    }

    @Test
    void cameraFrameNumberReadsBackFromTheCorner() {
        for (long n : new long[] {0, 1, 899, 65_537}) {
            assertEquals(OptionalLong.of(n), FramePattern.decode(frame(Scene.CAMERA, n, false), W, W, H));
        }
    }

    @Test
    void cameraFrameNumberSurvivesADownscaleToAQuarter() {
        byte[] luma = frame(Scene.CAMERA, 4321, false);
        int sw = W / 4;
        int sh = H / 4;
        byte[] small = new byte[sw * sh];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int sum = 0;
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        sum += luma[(y * 4 + dy) * W + x * 4 + dx] & 0xFF;
                    }
                }
                small[y * sw + x] = (byte) (sum / 16);
            }
        }
        assertEquals(OptionalLong.of(4321), FramePattern.decode(small, sw, sw, sh));
    }

    @Test
    void consecutiveCameraFramesMoveAndAreNotFlat() {
        byte[] a = frame(Scene.CAMERA, 300, false);
        byte[] b = frame(Scene.CAMERA, 301, false);
        int changed = 0;
        for (int i = 0; i < W * H; i++) {
            if (a[i] != b[i]) {
                changed++;
            }
        }
        // Pan, object and noise move most pixels; a flat or static frame would not.
        assertTrue(changed > W * H / 2, "changed pixels " + changed);
        // Fine detail: the mean absolute difference of horizontal neighbours is well above a smooth gradient's.
        long diff = 0;
        for (int y = H / 2; y < H / 2 + 100; y++) {
            for (int x = W / 2; x < W - 1; x++) {
                diff += Math.abs((a[y * W + x] & 0xFF) - (a[y * W + x + 1] & 0xFF));
            }
        }
        double meanDiff = (double) diff / (100 * (W / 2 - 1));
        assertTrue(meanDiff > 2, "mean neighbour difference " + meanDiff);
    }

    @Test
    void flashSetsChromaAndKeepsTheNumber() {
        byte[] flash = frame(Scene.CAMERA, 90, true);
        byte[] plain = frame(Scene.CAMERA, 90, false);
        assertTrue(meanV(flash) > SyncMarks.FLASH_THRESHOLD);
        assertTrue(meanV(plain) < SyncMarks.FLASH_THRESHOLD);
        assertEquals(OptionalLong.of(90), FramePattern.decode(flash, W, W, H));
    }

    @Test
    void gridSceneIsThePatternOverTheWholeFrame() {
        byte[] grid = frame(Scene.GRID, 5, false);
        byte[] luma = new byte[W * H];
        FramePattern.encode(5, luma, W, W, H);
        for (int i = 0; i < W * H; i++) {
            assertEquals(luma[i], grid[i]);
        }
        assertEquals(128, grid[W * H] & 0xFF);
    }

    private static double meanV(byte[] i420) {
        int chroma = (W / 2) * (H / 2);
        long sum = 0;
        for (int i = W * H + chroma; i < W * H + 2 * chroma; i++) {
            sum += i420[i] & 0xFF;
        }
        return (double) sum / chroma;
    }
}
