package dev.mintrecorder.worker.storage;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The segment buffers one room reuses. A 720p segment's buffer grows to about 2 MB over its 4 s; allocated afresh per
 * segment it was live at most young collections, overflowed the small survivor spaces and was promoted, so the old
 * generation (and RSS) grew by about 1 MB per young collection while segments went to the spool. Reused, a buffer is
 * promoted once and stays live. At most {@code keep} idle buffers are kept; one given back beyond that is dropped.
 */
final class SegmentBuffers {
    static final byte[] NONE = new byte[0];

    private final int keep;
    private final Deque<byte[]> idle = new ArrayDeque<>();
    private long idleBytes;

    SegmentBuffers(int keep) {
        if (keep < 0) {
            throw new IllegalArgumentException("keep must be at least 0: " + keep);
        }
        this.keep = keep;
    }

    /** The most recently given back buffer (likely the largest a segment needed), or {@link #NONE}. */
    synchronized byte[] take() {
        byte[] b = idle.pollFirst();
        if (b == null) {
            return NONE;
        }
        idleBytes -= b.length;
        return b;
    }

    /** A buffer nothing reads or writes any more. */
    synchronized void give(byte[] b) {
        if (b.length > 0 && idle.size() < keep) {
            idle.addFirst(b);
            idleBytes += b.length;
        }
    }

    /** Bytes held by idle buffers. */
    synchronized long idleBytes() {
        return idleBytes;
    }
}
