package dev.mintrecorder.worker.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * Test media generated on demand, faster than real time: a moving I420 pattern and a 440 Hz tone, both stamped on one
 * clock. A timestamp plan lets a test insert gaps; a size plan lets it change resolution mid-stream.
 */
final class SyntheticMedia {
    static final int AUDIO_RATE = 48_000;
    static final int CHUNK_FRAMES = 480;

    private SyntheticMedia() {
    }

    /** Frames {@code 0..count-1} at {@code fps}; {@code extraDelayNanos(i)} is added to frame i's timestamp. */
    static final class Video implements FrameSource<RawVideoFrame> {
        private final int count;
        private final int fps;
        private final IntUnaryOperator heightOf;
        private final java.util.function.IntToLongFunction shiftNanos;
        private final ByteBuffer[][] rendered;
        private int next;
        final AtomicInteger open = new AtomicInteger();

        Video(int count, int fps, IntUnaryOperator heightOf, java.util.function.IntToLongFunction shiftNanos) {
            this(count, fps, heightOf, shiftNanos, 0);
        }

        /**
         * @param distinct when above 0, only this many distinct pictures are rendered (at a fixed size) and then
         *        cycled: cheap input for long runs and for measuring the encoder alone
         */
        Video(int count, int fps, IntUnaryOperator heightOf, java.util.function.IntToLongFunction shiftNanos,
              int distinct) {
            this.count = count;
            this.fps = fps;
            this.heightOf = heightOf;
            this.shiftNanos = shiftNanos;
            this.rendered = distinct > 0 ? new ByteBuffer[distinct][] : null;
            for (int k = 0; k < distinct; k++) {
                int h = heightOf.applyAsInt(0);
                rendered[k] = render(h * 4 / 3, h, k);
            }
        }

        boolean exhausted() {
            return next >= count;
        }

        long timestampOf(int i) {
            return i * 1_000_000_000L / fps + shiftNanos.applyAsLong(i);
        }

        @Override
        public RawVideoFrame poll(Duration timeout) {
            if (next >= count) {
                return null;
            }
            int i = next++;
            int h = heightOf.applyAsInt(i);
            int w = h * 4 / 3;
            ByteBuffer[] planes;
            if (rendered == null) {
                planes = render(w, h, i);
            } else {
                planes = rendered[i % rendered.length];
            }
            open.incrementAndGet();
            return new Frame(w, h, planes, timestampOf(i), open);
        }
    }

    /** A tone in 10 ms chunks until {@code untilNanos}; chunks inside {@code skip} windows are not delivered. */
    static final class Audio implements FrameSource<AudioChunk> {
        private final long untilNanos;
        private final java.util.function.LongPredicate deliver;
        private long chunk;

        Audio(long untilNanos, java.util.function.LongPredicate deliver) {
            this.untilNanos = untilNanos;
            this.deliver = deliver;
        }

        boolean exhausted() {
            return chunk * 10_000_000L >= untilNanos;
        }

        @Override
        public AudioChunk poll(Duration timeout) {
            while (!exhausted()) {
                long c = chunk++;
                long ts = c * 10_000_000L;
                if (!deliver.test(ts)) {
                    continue;
                }
                byte[] pcm = new byte[CHUNK_FRAMES * 2 * 2];
                ByteBuffer b = ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN);
                for (int s = 0; s < CHUNK_FRAMES; s++) {
                    long n = c * CHUNK_FRAMES + s;
                    short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * n / AUDIO_RATE));
                    b.putShort(v).putShort(v);
                }
                return new AudioChunk(pcm, AUDIO_RATE, 2, CHUNK_FRAMES, ts);
            }
            return null;
        }
    }

    /** I420 planes with a diagonal pattern that moves with {@code index}. */
    static ByteBuffer[] render(int width, int height, int index) {
        ByteBuffer y = ByteBuffer.allocateDirect(width * height);
        ByteBuffer u = ByteBuffer.allocateDirect(width * height / 4);
        ByteBuffer v = ByteBuffer.allocateDirect(width * height / 4);
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                y.put((byte) ((r + c + index * 4) & 0xff));
            }
        }
        for (int i = 0; i < width * height / 4; i++) {
            u.put((byte) (128 + (index & 31)));
            v.put((byte) (128 - (index & 31)));
        }
        return new ByteBuffer[] {y.flip(), u.flip(), v.flip()};
    }

    /** A frame over rendered planes (it does not own them: closing only counts). */
    static final class Frame implements RawVideoFrame {
        private final int width;
        private final int height;
        private final long ts;
        private final ByteBuffer y;
        private final ByteBuffer u;
        private final ByteBuffer v;
        private final AtomicInteger open;
        private boolean closed;

        Frame(int width, int height, ByteBuffer[] planes, long ts, AtomicInteger open) {
            this.width = width;
            this.height = height;
            this.ts = ts;
            this.open = open;
            y = planes[0];
            u = planes[1];
            v = planes[2];
        }

        @Override public int width() { return width; }
        @Override public int height() { return height; }
        @Override public ByteBuffer dataY() { return y; }
        @Override public ByteBuffer dataU() { return u; }
        @Override public ByteBuffer dataV() { return v; }
        @Override public int strideY() { return width; }
        @Override public int strideU() { return width / 2; }
        @Override public int strideV() { return width / 2; }
        @Override public long timestampNanos() { return ts; }
        @Override public long sizeBytes() { return width * height * 3L / 2; }

        @Override
        public void close() {
            if (closed) {
                throw new IllegalStateException("frame closed twice");
            }
            closed = true;
            open.decrementAndGet();
        }
    }
}
