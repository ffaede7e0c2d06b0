package dev.mintrecorder.devstack.media;

import java.nio.ByteBuffer;

/**
 * What the synthetic publisher's camera shows. {@link #GRID}: the whole frame is the frame-number pattern, trivial to
 * encode (the functional tests' default). {@link #CAMERA}: a scene codecs find realistic ({@link CameraScene}: a
 * panning textured background, a moving textured object, fine detail and sensor noise) with the frame-number pattern
 * in its top-left corner. Both are a pure function of the frame number, so a recording's frame N can be compared with
 * a regenerated frame N.
 */
public enum Scene {
    GRID,
    CAMERA;

    /**
     * Draws frame {@code number} into an I420 frame's planes (chroma at half size). {@code flash} (a {@link SyncMarks}
     * frame) sets both chroma planes to {@link SyncMarks#FLASH_CHROMA}; luma, and so the frame number, is unchanged.
     */
    public void render(long number, boolean flash, int width, int height, ByteBuffer y, int strideY, ByteBuffer u,
                       int strideU, ByteBuffer v, int strideV) {
        int chromaHeight = (height + 1) / 2;
        switch (this) {
            case GRID -> {
                FramePattern.encode(number, y, strideY, width, height);
                fill(u, strideU * chromaHeight, 128);
                fill(v, strideV * chromaHeight, 128);
            }
            case CAMERA -> CameraScene.of(width, height).render(number, y, strideY, u, strideU, v, strideV);
        }
        if (flash) {
            fill(u, strideU * chromaHeight, SyncMarks.FLASH_CHROMA);
            fill(v, strideV * chromaHeight, SyncMarks.FLASH_CHROMA);
        }
    }

    /** Frame {@code number} as one contiguous I420 array (planes packed, strides = widths), for raw pipes. */
    public void render(long number, boolean flash, int width, int height, byte[] i420) {
        int cw = (width + 1) / 2;
        int ch = (height + 1) / 2;
        ByteBuffer all = ByteBuffer.wrap(i420);
        render(number, flash, width, height, all.slice(0, width * height), width,
                all.slice(width * height, cw * ch), cw, all.slice(width * height + cw * ch, cw * ch), cw);
    }

    private static void fill(ByteBuffer plane, int length, int value) {
        byte[] level = new byte[Math.min(length, plane.capacity())];
        java.util.Arrays.fill(level, (byte) value);
        plane.put(0, level);
    }
}
