package dev.mintrecorder.worker.media;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/** TEST ONLY: {@link SegmentOutput}s over plain streams, for encoder tests and probes that keep no S3 sink. */
public final class TestSegments {
    private TestSegments() {
    }

    /** Each segment into {@code streams.apply(sequence)}; each finished segment reported to {@code done} at once. */
    public static SegmentOutput into(LongFunction<? extends OutputStream> streams, Consumer<SegmentDone> done) {
        return sequence -> new Plain(streams.apply(sequence), done);
    }

    /** Segments are discarded and not reported. */
    public static SegmentOutput discard() {
        return into(sequence -> OutputStream.nullOutputStream(), done -> { });
    }

    private static final class Plain extends SegmentOutput.Segment {
        private final OutputStream out;
        private final Consumer<SegmentDone> done;
        private boolean closed;

        Plain(OutputStream out, Consumer<SegmentDone> done) {
            this.out = out;
            this.done = done;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void finish(SegmentDone segment) throws IOException {
            if (!closed) {
                close();
                done.accept(segment);
            }
        }

        @Override
        public void close() throws IOException {
            closed = true;
            out.close();
        }
    }
}
