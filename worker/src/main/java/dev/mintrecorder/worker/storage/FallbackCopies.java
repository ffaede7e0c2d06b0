package dev.mintrecorder.worker.storage;

import dev.mintrecorder.worker.media.SegmentDone;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One recording's segments in the fallback store, lowest sequence first, until each is copied back to the primary.
 * No I/O: the sink's drain does the copying and tells this what happened. A copy goes through two steps, each retried
 * on its own: copied (the primary holds it, verified), then deleted from the fallback. Thread-safe.
 */
final class FallbackCopies {
    /**
     * A segment in the fallback store.
     *
     * @param inPrimary the primary holds a verified copy; only the fallback's copy is left to delete
     */
    record Copy(long sequence, String key, SegmentDone done, String crc32c, long bytes, boolean inPrimary) {
    }

    private final TreeMap<Long, Copy> copies = new TreeMap<>();

    synchronized void add(String key, SegmentDone done, String crc32c, long bytes) {
        copies.put(done.sequence(), new Copy(done.sequence(), key, done, crc32c, bytes, false));
    }

    /** The lowest segment not yet deleted from the fallback: the next to copy back, in order. */
    synchronized Optional<Copy> first() {
        return copies.isEmpty() ? Optional.empty() : Optional.of(copies.firstEntry().getValue());
    }

    /** The primary holds a verified copy of {@code c}. */
    synchronized void copied(Copy c) {
        copies.replace(c.sequence(), c, new Copy(c.sequence(), c.key(), c.done(), c.crc32c(), c.bytes(), true));
        notifyAll();
    }

    /** {@code c} is done with: deleted from the fallback, or left there for good. */
    synchronized void remove(Copy c) {
        if (copies.remove(c.sequence()) != null) {
            notifyAll();
        }
    }

    synchronized boolean isEmpty() {
        return copies.isEmpty();
    }

    /** Empties the list (the recording ended) and returns what was in it. */
    synchronized List<Copy> clear() {
        List<Copy> left = new ArrayList<>(copies.values());
        copies.clear();
        notifyAll();
        return left;
    }

    /**
     * Waits up to {@code timeoutMillis} for every segment to be in the primary; true if they are. A fallback copy
     * still to delete does not hold a recording's end: the primary holds the segment already.
     */
    synchronized boolean awaitCopied(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (copies.values().stream().anyMatch(c -> !c.inPrimary())) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /**
     * Why the bytes read back from the fallback are not the segment that went there, or empty when they are (same
     * length, same CRC32C as its writer computed).
     */
    static Optional<String> mismatch(Copy c, byte[] read) {
        return mismatch(c.bytes(), c.crc32c(), read).map(why -> "the fallback's copy " + why);
    }

    /**
     * Why {@code read} is not a segment of {@code bytes} bytes with CRC32C {@code crc32c}, or empty when it is. A
     * manifest written before checksums has none: then only the length is checked.
     */
    static Optional<String> mismatch(long bytes, String crc32c, byte[] read) {
        if (read.length != bytes) {
            return Optional.of("holds " + read.length + " bytes, not " + bytes);
        }
        if (crc32c == null) {
            return Optional.empty();
        }
        String crc = Crc32c.of(read, 0, read.length);
        return crc.equals(crc32c) ? Optional.empty() : Optional.of("has CRC32C " + crc + ", not " + crc32c);
    }
}
