package dev.mintrecorder.devstack.media;

/**
 * The synthetic publisher's A/V sync points (pure): every {@value #SECONDS_BETWEEN} s one video frame flashes (its
 * chroma planes set to {@value #FLASH_CHROMA}, so the luma frame number still reads) and the audio clicks (a
 * {@value #CLICK_SAMPLES}-sample burst of a 3 kHz square wave at ±{@value #CLICK_LEVEL}, far above the tone) at the
 * same instant: the flash frame's capture timestamp. A recording's A/V offset is where its click is heard minus where
 * its flash is seen.
 *
 * <p>An audio chunk pushed at time t is taken to hold the samples from t on (as libwebrtc stamps a pushed chunk), so
 * the click goes into the chunk whose 10 ms span holds the flash's timestamp, at the sample of that instant. That
 * convention is the measurement's own uncertainty: at most one chunk, 10 ms.
 */
public final class SyncMarks {
    public static final int SECONDS_BETWEEN = 3;
    /** U and V of a flash frame (128, grey, otherwise). */
    public static final int FLASH_CHROMA = 200;
    /** A decoded frame whose mean V is above this is a flash. */
    public static final double FLASH_THRESHOLD = 164;
    public static final int CLICK_SAMPLES = 240;
    public static final int CLICK_LEVEL = 28_000;
    /** A decoded sample above this (in magnitude) is a click: the tone peaks at 8000. */
    public static final int CLICK_THRESHOLD = 18_000;
    private static final int CLICK_HALF_PERIOD = 8;

    private SyncMarks() {
    }

    /** Frames from one mark to the next at {@code fps}. */
    public static long framesBetween(int fps) {
        return (long) Math.max(1, fps) * SECONDS_BETWEEN;
    }

    /** Whether frame {@code number} (counted from the publisher's start) flashes. */
    public static boolean isMark(long number, int fps) {
        return number > 0 && number % framesBetween(fps) == 0;
    }

    /** How many frames after {@code number} the next mark comes. */
    public static long framesToNextMark(long number, int fps) {
        long every = framesBetween(fps);
        return every - Math.floorMod(number, every);
    }

    /**
     * Where in a chunk of {@code chunkSamples} at {@code sampleRate} that starts at {@code chunkStartNanos} the click
     * for a mark at {@code markNanos} begins: the sample of that instant, 0 if the chunk starts up to one chunk after it
     * (a late tick), or -1 if the mark is not this chunk's.
     */
    public static int clickOffset(long markNanos, long chunkStartNanos, int chunkSamples, int sampleRate) {
        long chunkNanos = chunkSamples * 1_000_000_000L / sampleRate;
        long into = markNanos - chunkStartNanos;
        if (into >= chunkNanos || into <= -chunkNanos) {
            return -1;
        }
        return (int) Math.max(0, into * sampleRate / 1_000_000_000L);
    }

    /** Sample {@code i} of the click (16-bit). */
    public static short clickSample(int i) {
        return (short) ((i / CLICK_HALF_PERIOD) % 2 == 0 ? CLICK_LEVEL : -CLICK_LEVEL);
    }
}
