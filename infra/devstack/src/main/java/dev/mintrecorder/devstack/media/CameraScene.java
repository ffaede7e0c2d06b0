package dev.mintrecorder.devstack.media;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A camera-like scene at one size, a pure function of the frame number: a textured background (smooth shading, hard
 * edges, fine detail down to single pixels) that pans slowly, a textured object (an ellipse, about a person's share of
 * a webcam frame) moving on its own path over it, and sensor noise that differs every frame. The frame-number grid
 * ({@link FramePattern#encodeCorner}) covers the top-left corner.
 *
 * <p>Everything costly is drawn once per size (the textures, the object's mask, a noise table); a frame is rows copied
 * from the textures at the frame's offsets plus a table lookup per pixel, a few milliseconds at 720p.
 */
final class CameraScene {
    /** Background pan: pixels per frame horizontally (a triangle wave over the texture's margin) and vertically. */
    private static final int PAN_X_PER_FRAME = 2;
    private static final int PAN_Y_PER_FRAME = 1;
    /** Periods of the object's path in frames (8 s and 5.7 s at 30 fps): up to about 4 px per frame at 720p. */
    private static final double PATH_X_FRAMES = 240;
    private static final double PATH_Y_FRAMES = 170;
    private static final int NOISE_BITS = 16;
    private static final long SEED = 0x5EED_2026L;
    private static final Map<Long, CameraScene> BY_SIZE = new ConcurrentHashMap<>();

    private final int width;
    private final int height;
    private final int texWidth;
    private final int texHeight;
    private final byte[] texY;
    private final byte[] texU;
    private final byte[] texV;
    private final int objWidth;
    private final int objHeight;
    private final byte[] objY;
    /** Per object row, the first and one-past-last column inside the ellipse. */
    private final int[] objFrom;
    private final int[] objTo;
    private final byte[] noise = new byte[1 << NOISE_BITS];
    private final byte[] row;

    private CameraScene(int width, int height) {
        this.width = width;
        this.height = height;
        this.texWidth = width + Math.max(16, width / 4) & ~1;
        this.texHeight = height + Math.max(8, height / 8) & ~1;
        SplittableRandom random = new SplittableRandom(SEED);
        this.texY = luma(texWidth, texHeight, random);
        this.texU = chroma(texWidth / 2, texHeight / 2, random);
        this.texV = chroma(texWidth / 2, texHeight / 2, random);
        this.objWidth = Math.max(4, width / 5);
        this.objHeight = Math.max(4, height / 2);
        this.objY = luma(objWidth, objHeight, random);
        this.objFrom = new int[objHeight];
        this.objTo = new int[objHeight];
        for (int y = 0; y < objHeight; y++) {
            double dy = (y + 0.5) / objHeight * 2 - 1;
            int half = (int) Math.round(objWidth / 2.0 * Math.sqrt(Math.max(0, 1 - dy * dy)));
            objFrom[y] = objWidth / 2 - half;
            objTo[y] = objWidth / 2 + half;
        }
        for (int i = 0; i < noise.length; i++) {
            // Roughly Gaussian, sigma about 1.7 levels: a webcam in a lit room.
            noise[i] = (byte) (random.nextInt(-2, 3) + random.nextInt(-2, 3));
        }
        this.row = new byte[width];
    }

    /** The scene at this size (drawn once per size, kept). */
    static CameraScene of(int width, int height) {
        return BY_SIZE.computeIfAbsent(((long) width << 32) | height, k -> new CameraScene(width, height));
    }

    /** Draws frame {@code number}. Not thread-safe per size: one ticker thread renders (as SyntheticSource does). */
    synchronized void render(long number, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v,
                             int strideV) {
        int panX = triangle(number * PAN_X_PER_FRAME, texWidth - width) & ~1;
        int panY = triangle(number * PAN_Y_PER_FRAME, texHeight - height) & ~1;
        int objX = (int) Math.round((width - objWidth) / 2.0
                * (1 + 0.8 * Math.sin(2 * Math.PI * number / PATH_X_FRAMES)));
        int objY0 = (int) Math.round((height - objHeight) / 2.0
                * (1 + 0.8 * Math.sin(2 * Math.PI * number / PATH_Y_FRAMES)));
        long frameSeed = mix(number);
        for (int r = 0; r < height; r++) {
            System.arraycopy(texY, (r + panY) * texWidth + panX, row, 0, width);
            int oy = r - objY0;
            if (oy >= 0 && oy < objHeight) {
                int from = objFrom[oy];
                System.arraycopy(objY, oy * objWidth + from, row, objX + from, objTo[oy] - from);
            }
            int n = (int) mix(frameSeed + r);
            for (int x = 0; x < width; x++) {
                int value = (row[x] & 0xFF) + noise[(n + x) & (noise.length - 1)];
                row[x] = (byte) (value < 0 ? 0 : Math.min(value, 255));
            }
            y.put(r * strideY, row, 0, width);
        }
        int cw = (width + 1) / 2;
        int ch = (height + 1) / 2;
        for (int r = 0; r < ch; r++) {
            int src = (r + panY / 2) * (texWidth / 2) + panX / 2;
            u.put(r * strideU, texU, src, cw);
            v.put(r * strideV, texV, src, cw);
            int oy = 2 * r - objY0;
            if (oy >= 0 && oy < objHeight) {
                // The object's colour: a warm, skin-like tint.
                int from = (objX + objFrom[oy]) / 2;
                int to = Math.min(cw, (objX + objTo[oy]) / 2);
                for (int x = from; x < to; x++) {
                    u.put(r * strideU + x, (byte) 112);
                    v.put(r * strideV + x, (byte) 150);
                }
            }
        }
        FramePattern.encodeCorner(number, y, strideY, width, height);
        int cornerW = width / FramePattern.CORNER / 2;
        for (int r = 0; r < height / FramePattern.CORNER / 2; r++) {
            for (int x = 0; x < cornerW; x++) {
                u.put(r * strideU + x, (byte) 128);
                v.put(r * strideV + x, (byte) 128);
            }
        }
    }

    /** 0 → max → 0 as {@code t} grows by 2 × max: a pan that turns back instead of jumping. */
    static int triangle(long t, int max) {
        if (max <= 0) {
            return 0;
        }
        long m = Math.floorMod(t, 2L * max);
        return (int) (m <= max ? m : 2L * max - m);
    }

    private static long mix(long x) {
        long z = x * 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        return z ^ (z >>> 31);
    }

    /**
     * A luma texture: value noise over octaves from 128 px down to 2 px (smooth shading to fine detail), plus
     * hard-edged rectangles (furniture, shelves, text-like edges), in the limited range 16..235.
     */
    private static byte[] luma(int w, int h, SplittableRandom random) {
        float[] acc = new float[w * h];
        float amplitude = 60;
        for (int cell = 128; cell >= 2; cell /= 2) {
            addValueNoise(acc, w, h, cell, amplitude, random);
            amplitude *= 0.62f;
        }
        for (int i = 0; i < w * h / 4000; i++) {
            int rw = 4 + random.nextInt(Math.max(5, w / 8));
            int rh = 2 + random.nextInt(Math.max(3, h / 10));
            int x0 = random.nextInt(Math.max(1, w - rw));
            int y0 = random.nextInt(Math.max(1, h - rh));
            float shift = random.nextInt(-50, 51);
            for (int yy = y0; yy < y0 + rh; yy++) {
                for (int xx = x0; xx < x0 + rw; xx++) {
                    acc[yy * w + xx] += shift;
                }
            }
        }
        byte[] out = new byte[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.max(16, Math.min(235, Math.round(126 + acc[i])));
        }
        return out;
    }

    /** A chroma texture: smooth colour areas, ±24 around grey (flashes, at 200, stay far above). */
    private static byte[] chroma(int w, int h, SplittableRandom random) {
        float[] acc = new float[w * h];
        addValueNoise(acc, w, h, 64, 18, random);
        addValueNoise(acc, w, h, 16, 6, random);
        byte[] out = new byte[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.max(104, Math.min(152, Math.round(128 + acc[i])));
        }
        return out;
    }

    /** Adds bilinearly interpolated random values on a grid of {@code cell} px, in ±amplitude. */
    private static void addValueNoise(float[] acc, int w, int h, int cell, float amplitude, SplittableRandom random) {
        int gw = w / cell + 2;
        int gh = h / cell + 2;
        float[] grid = new float[gw * gh];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = (float) (random.nextDouble() * 2 - 1) * amplitude;
        }
        for (int y = 0; y < h; y++) {
            int gy = y / cell;
            float fy = (float) (y % cell) / cell;
            for (int x = 0; x < w; x++) {
                int gx = x / cell;
                float fx = (float) (x % cell) / cell;
                float top = grid[gy * gw + gx] * (1 - fx) + grid[gy * gw + gx + 1] * fx;
                float bottom = grid[(gy + 1) * gw + gx] * (1 - fx) + grid[(gy + 1) * gw + gx + 1] * fx;
                acc[y * w + x] += top * (1 - fy) + bottom * fy;
            }
        }
    }
}
