package dev.mintrecorder.worker.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A per-track hand-off from a native media callback to the consumer (the encoder), bounded in frames and bytes.
 *
 * <p>This is the memory bound of the recorder (docs/design.md, "Media path and the memory bound"): when the
 * consumer falls behind, the <em>oldest</em> elements are dropped and released at once, so the bytes held
 * never exceed {@code maxBytes} however slow the consumer is. The producer never waits: {@link #offer}
 * takes one short lock (a few deque operations) and calls the release function outside it.
 *
 * <p>Ownership: an offered element belongs to the queue. It leaves the queue exactly once, through one of
 * {@link #poll} (the caller now owns it), a drop (released here), {@link #close()} (released here), or an
 * {@code offer} after {@link #finishInput()} or close (released here). The queue never releases an element it
 * handed out.
 *
 * <p>Ending: {@link #finishInput()} says no more input will come (the room ended) while the consumer drains what
 * is left; {@link #isDrained()} then turns true once it is empty. {@link #close()} ends it at once.
 *
 * <p>An element larger than {@code maxBytes} on its own is dropped on arrival rather than breaking the bound.
 *
 * @param <T> the element type, for example {@link RawVideoFrame} or {@link AudioChunk}
 */
public final class BoundedFrameQueue<T> implements FrameSource<T>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BoundedFrameQueue.class);

    /** The limits of one queue. {@code bounded=false} is the benchmark's baseline only: it never drops. */
    public record Limits(int maxFrames, long maxBytes, boolean bounded) {
        public Limits {
            if (maxFrames < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("maxFrames and maxBytes must be positive: " + maxFrames + ", " + maxBytes);
            }
        }

        public static Limits of(int maxFrames, long maxBytes) {
            return new Limits(maxFrames, maxBytes, true);
        }

        public static Limits unbounded() {
            return new Limits(Integer.MAX_VALUE, Long.MAX_VALUE, false);
        }
    }

    /** A consistent snapshot of the counters. */
    public record Stats(long enqueued, long dropped, long frames, long bytes, long highWaterBytes) {
    }

    private final String name;
    private final ToLongFunction<? super T> sizeOf;
    private final Consumer<? super T> release;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<T> elements = new ArrayDeque<>();

    // Guarded by lock.
    private Limits limits;
    private long bytes;
    private long highWaterBytes;
    private long enqueued;
    private long dropped;
    private boolean inputFinished;
    private boolean closed;

    public BoundedFrameQueue(String name, Limits limits, ToLongFunction<? super T> sizeOf, Consumer<? super T> release) {
        this.name = Objects.requireNonNull(name);
        this.limits = Objects.requireNonNull(limits);
        this.sizeOf = Objects.requireNonNull(sizeOf);
        this.release = Objects.requireNonNull(release);
    }

    /** A queue of decoded video frames; released by {@link RawVideoFrame#close()}. */
    public static BoundedFrameQueue<RawVideoFrame> video(String name, Limits limits) {
        return new BoundedFrameQueue<>(name, limits, RawVideoFrame::sizeBytes, RawVideoFrame::close);
    }

    /** A queue of PCM chunks; heap memory, so release only forgets them. */
    public static BoundedFrameQueue<AudioChunk> audio(String name, Limits limits) {
        return new BoundedFrameQueue<>(name, limits, AudioChunk::sizeBytes, chunk -> { });
    }

    public String name() {
        return name;
    }

    /**
     * Hands {@code element} to the queue; never blocks. Drops (and releases) the oldest elements while the
     * queue is over either limit.
     *
     * @return false when the element itself was released instead of queued (closed queue, or larger than the byte bound)
     */
    public boolean offer(T element) {
        Objects.requireNonNull(element);
        long size = sizeOf.applyAsLong(element);
        List<T> evicted = null;
        boolean accepted;
        lock.lock();
        try {
            if (closed || inputFinished) {
                accepted = false;
            } else if (limits.bounded() && size > limits.maxBytes()) {
                dropped++;
                accepted = false;
            } else {
                while (limits.bounded() && !elements.isEmpty()
                        && (elements.size() >= limits.maxFrames() || bytes + size > limits.maxBytes())) {
                    T oldest = elements.pollFirst();
                    bytes -= sizeOf.applyAsLong(oldest);
                    dropped++;
                    if (evicted == null) {
                        evicted = new ArrayList<>(2);
                    }
                    evicted.add(oldest);
                }
                elements.addLast(element);
                bytes += size;
                enqueued++;
                highWaterBytes = Math.max(highWaterBytes, bytes);
                notEmpty.signal();
                accepted = true;
            }
        } finally {
            lock.unlock();
        }
        if (evicted != null) {
            evicted.forEach(this::releaseQuietly);
        }
        if (!accepted) {
            releaseQuietly(element);
        }
        return accepted;
    }

    /**
     * Takes the oldest element, waiting up to {@code timeout}. The caller owns (and must release) what it gets.
     *
     * @return the element, or null on timeout, or at once when the queue is empty and closed or finished
     */
    @Override
    public T poll(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (elements.isEmpty()) {
                if (closed || inputFinished || nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            T element = elements.pollFirst();
            bytes -= sizeOf.applyAsLong(element);
            return element;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the oldest element without waiting, or null. */
    public T poll() {
        lock.lock();
        try {
            T element = elements.pollFirst();
            if (element != null) {
                bytes -= sizeOf.applyAsLong(element);
            }
            return element;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the limits (the memory governor shrinks queues under pressure); drops the oldest elements until
     * the new limits hold.
     */
    public void resize(Limits newLimits) {
        Objects.requireNonNull(newLimits);
        List<T> evicted = new ArrayList<>();
        lock.lock();
        try {
            limits = newLimits;
            while (limits.bounded() && !elements.isEmpty()
                    && (elements.size() > limits.maxFrames() || bytes > limits.maxBytes())) {
                T oldest = elements.pollFirst();
                bytes -= sizeOf.applyAsLong(oldest);
                dropped++;
                evicted.add(oldest);
            }
        } finally {
            lock.unlock();
        }
        evicted.forEach(this::releaseQuietly);
    }

    @Override
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    public Limits limits() {
        lock.lock();
        try {
            return limits;
        } finally {
            lock.unlock();
        }
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(enqueued, dropped, elements.size(), bytes, highWaterBytes);
        } finally {
            lock.unlock();
        }
    }

    /** No more input: later offers are released at once; waiting consumers wake once the queue is empty. */
    public void finishInput() {
        lock.lock();
        try {
            inputFinished = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** True once input has finished (or the queue closed) and nothing is left to take. */
    public boolean isDrained() {
        lock.lock();
        try {
            return (inputFinished || closed) && elements.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the queue and releases everything still in it. Later offers release their element at once; a
     * waiting consumer wakes and gets null once the queue is empty. Idempotent.
     */
    @Override
    public void close() {
        List<T> left;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            left = new ArrayList<>(elements);
            elements.clear();
            bytes = 0;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        left.forEach(this::releaseQuietly);
    }

    private void releaseQuietly(T element) {
        try {
            release.accept(element);
        } catch (RuntimeException e) {
            // A failing release must not stop the others, nor reach a native callback thread.
            log.warn("queue {}: release failed", name, e);
        }
    }
}
