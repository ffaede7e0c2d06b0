package dev.mintrecorder.devstack.media;

import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * Writes a frame number into a luma plane and reads it back, so recordings can be checked frame by frame.
 *
 * <p>The whole frame is an 8×8 grid of black or white cells (64 bits, row-major): 16 sync bits, the 32-bit frame
 * number (most significant bit first), then a 16-bit check of the number. Cells this big survive VP8/H.264
 * compression and downscaling to a quarter of 320×240 (a cell is then 10×7 pixels). The decoder averages the middle
 * half of each cell and thresholds at the midpoint of the darkest and brightest cell, so full- or limited-range
 * levels both work. A frame whose sync or check bits do not match decodes to empty, never to a wrong number.
 *
 * <p>The grid may also sit in the frame's top-left corner ({@link #encodeCorner}: a {@value #CORNER}th of the width and
 * of the height), under a {@link Scene#CAMERA} scene; {@link #decode} reads either.
 */
public final class FramePattern {
    /** Cells per row and per column. */
    public static final int GRID = 8;
    private static final int SYNC = 0xB38E;
    private static final byte BLACK = (byte) 24;
    private static final byte WHITE = (byte) 232;

    private FramePattern() {
    }

    /** The 64 bits for a frame number; only the low 32 bits of {@code frame} are kept. */
    static long bits(long frame) {
        long number = frame & 0xFFFF_FFFFL;
        return ((long) SYNC << 48) | (number << 16) | check(number);
    }

    private static int check(long number) {
        long h = number * 0x9E37_79B9_7F4A_7C15L;
        return (int) ((h >>> 40) & 0xFFFF);
    }

    /** The corner grid's share of the width and of the height. */
    public static final int CORNER = 4;

    /** Paints the pattern of {@code frame} over the luma plane (chroma is the caller's: 128 keeps it grey). */
    public static void encode(long frame, ByteBuffer luma, int stride, int width, int height) {
        encode(frame, luma, stride, 0, 0, width, height);
    }

    /** Paints the pattern of {@code frame} over the top-left {@link #CORNER}th of the luma plane. */
    public static void encodeCorner(long frame, ByteBuffer luma, int stride, int width, int height) {
        encode(frame, luma, stride, 0, 0, width / CORNER, height / CORNER);
    }

    /** Paints the pattern into the {@code width}×{@code height} region at ({@code x0}, {@code y0}). */
    private static void encode(long frame, ByteBuffer luma, int stride, int x0, int y0, int width, int height) {
        long bits = bits(frame);
        // Only GRID distinct rows exist: build each once, then copy it down its band (cheap at 1080p30).
        byte[][] rows = new byte[GRID][width];
        for (int cellRow = 0; cellRow < GRID; cellRow++) {
            for (int x = 0; x < width; x++) {
                rows[cellRow][x] = bit(bits, cellRow * GRID + x * GRID / width) ? WHITE : BLACK;
            }
        }
        for (int y = 0; y < height; y++) {
            luma.put((y0 + y) * stride + x0, rows[y * GRID / height], 0, width);
        }
    }

    /** Same as {@link #encode(long, ByteBuffer, int, int, int)} for a heap array. */
    public static void encode(long frame, byte[] luma, int stride, int width, int height) {
        encode(frame, ByteBuffer.wrap(luma), stride, width, height);
    }

    /**
     * The frame number painted into this luma plane (over the whole frame, or in its corner), or empty if the pattern
     * is not there or is damaged.
     */
    public static OptionalLong decode(ByteBuffer luma, int stride, int width, int height) {
        OptionalLong whole = decode(luma, stride, 0, 0, width, height);
        return whole.isPresent() ? whole : decode(luma, stride, 0, 0, width / CORNER, height / CORNER);
    }

    private static OptionalLong decode(ByteBuffer luma, int stride, int rx, int ry, int width, int height) {
        if (width < GRID * 2 || height < GRID * 2) {
            return OptionalLong.empty();
        }
        double[] means = new double[GRID * GRID];
        double min = 255;
        double max = 0;
        for (int cellRow = 0; cellRow < GRID; cellRow++) {
            int y0 = ry + cellRow * height / GRID;
            int y1 = ry + (cellRow + 1) * height / GRID;
            int qy = Math.max(0, (y1 - y0) / 4);
            for (int cellCol = 0; cellCol < GRID; cellCol++) {
                int x0 = rx + cellCol * width / GRID;
                int x1 = rx + (cellCol + 1) * width / GRID;
                int qx = Math.max(0, (x1 - x0) / 4);
                long sum = 0;
                int count = 0;
                for (int y = y0 + qy; y < y1 - qy; y++) {
                    int base = y * stride;
                    for (int x = x0 + qx; x < x1 - qx; x++) {
                        sum += luma.get(base + x) & 0xFF;
                        count++;
                    }
                }
                double mean = count == 0 ? 0 : (double) sum / count;
                means[cellRow * GRID + cellCol] = mean;
                min = Math.min(min, mean);
                max = Math.max(max, mean);
            }
        }
        if (max - min < 64) {
            return OptionalLong.empty();
        }
        double threshold = (min + max) / 2;
        long bits = 0;
        for (int cell = 0; cell < GRID * GRID; cell++) {
            bits = (bits << 1) | (means[cell] > threshold ? 1 : 0);
        }
        if ((int) (bits >>> 48) != SYNC) {
            return OptionalLong.empty();
        }
        long number = (bits >>> 16) & 0xFFFF_FFFFL;
        return (bits & 0xFFFF) == check(number) ? OptionalLong.of(number) : OptionalLong.empty();
    }

    /** Same as {@link #decode(ByteBuffer, int, int, int)} for a heap array. */
    public static OptionalLong decode(byte[] luma, int stride, int width, int height) {
        return decode(ByteBuffer.wrap(luma), stride, width, height);
    }

    private static boolean bit(long bits, int cell) {
        return ((bits >>> (GRID * GRID - 1 - cell)) & 1) != 0;
    }
}
