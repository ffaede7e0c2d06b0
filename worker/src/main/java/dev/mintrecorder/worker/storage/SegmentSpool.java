package dev.mintrecorder.worker.storage;

import dev.mintrecorder.contracts.MemoryAlarm;
import dev.mintrecorder.worker.media.SegmentDone;
import dev.mintrecorder.worker.ops.Metric;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The worker's local spool for finished segments that S3 cannot take now: one directory, one sub-directory per
 * recording ({@link Room}), one file per segment. Bounded by {@link SpoolPolicy}, which it asks before every write.
 *
 * <p>What a segment needs besides its bytes (key, duration, checksum) is held in memory, not on disk: a spool does
 * not outlive its process. Files left by a process that died are deleted at start (logged): no attempt can index
 * them, and the next attempt runs on another worker anyway.
 */
public final class SegmentSpool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SegmentSpool.class);

    private final Path dir;
    /** A temporary directory this spool made (no S3_SPOOL_DIR): deleted on close. */
    private final boolean ownsDir;
    private final SpoolPolicy policy;
    private final Duration deadline;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong segments = new AtomicLong();
    private final AtomicLong highWater = new AtomicLong();
    private final Counter spooled;
    private final Counter lost;
    /** The level last logged, so that each change is logged once. */
    private SpoolPolicy.Level loggedLevel = SpoolPolicy.Level.OK;

    /** A spooled segment, in the order the drain takes them (by sequence). */
    public record Entry(long sequence, String key, SegmentDone done, String crc32c, Path file, long bytes) {
    }

    public SegmentSpool(SpoolConfig config, MeterRegistry registry) {
        this.ownsDir = config.dir().isEmpty();
        try {
            this.dir = ownsDir ? Files.createTempDirectory("mint-recorder-spool-") : config.dir().get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a spool directory", e);
        }
        this.policy = config.policy();
        this.deadline = config.deadline();
        this.spooled = Metric.SPOOL_SPOOLED.counter(registry);
        this.lost = Metric.SPOOL_LOST.counter(registry);
        Metric.SPOOL_BYTES.gauge(registry, bytes::get);
        Metric.SPOOL_MAX_BYTES.gauge(registry, () -> policy.enabled() ? policy.workerMaxBytes() : 0);
        Metric.SPOOL_SEGMENTS.gauge(registry, segments::get);
        Metric.SPOOL_LEVEL.gauge(registry, () -> level().ordinal());
        if (policy.enabled() && !ownsDir) {
            clearLeftovers();
        }
    }

    /** Deletes the spool's directory if this spool made it (every room has discarded its segments by now). */
    @Override
    public void close() {
        if (ownsDir) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                log.warn("could not delete the spool directory {}: {}", dir, e.toString());
            }
        }
    }

    public SpoolPolicy policy() {
        return policy;
    }

    /** How long a finished segment waits for an upload slot before it is spooled. */
    public Duration deadline() {
        return deadline;
    }

    /** Bytes spooled now, over every room. */
    public long bytes() {
        return bytes.get();
    }

    /** The most bytes spooled at once since start. */
    public long highWaterBytes() {
        return highWater.get();
    }

    public SpoolPolicy.Level level() {
        return policy.level(bytes.get());
    }

    /** Why this worker should take no more rooms now (the spool is CRITICAL or short of a room's share). */
    public Optional<String> refusal() {
        return policy.refusal(bytes.get());
    }

    /** The spool's state as the worker's alarms report it ({@code recording.alarms}). */
    public MemoryAlarm.Spool alarmState() {
        MemoryAlarm.Level at = switch (level()) {
            case OK -> MemoryAlarm.Level.OK;
            case WARN -> MemoryAlarm.Level.WARN;
            case CRITICAL -> MemoryAlarm.Level.CRITICAL;
        };
        return new MemoryAlarm.Spool(at, bytes.get(), policy.enabled() ? policy.workerMaxBytes() : 0, segments.get(),
                (long) lost.count());
    }

    /** Logs each change of level: WARN and CRITICAL as the spool fills, OK once it has drained below WARN. */
    private synchronized void logLevel() {
        SpoolPolicy.Level now = level();
        if (now == loggedLevel) {
            return;
        }
        loggedLevel = now;
        String msg = "spool level {}: {} of {} bytes hold segments S3 could not take";
        switch (now) {
            case OK -> log.info(msg, now, bytes.get(), policy.workerMaxBytes());
            case WARN -> log.warn(msg, now, bytes.get(), policy.workerMaxBytes());
            case CRITICAL -> log.error(msg, now, bytes.get(), policy.workerMaxBytes());
        }
    }

    /** One recording's share of the spool. */
    public Room room(UUID jobId) {
        return new Room(dir.resolve(jobId.toString()));
    }

    private void clearLeftovers() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList();
            long segmentFiles = all.stream().filter(Files::isRegularFile).count();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
            if (segmentFiles > 0) {
                log.warn("deleted {} segment file(s) a previous process left in the spool {}: they were never "
                        + "uploaded and cannot be indexed now", segmentFiles, dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the spool " + dir, e);
        }
    }

    /** A recording's spooled segments. Thread-safe: the encoder, the upload threads and the drain use it. */
    public final class Room {
        private final Path roomDir;
        private final TreeMap<Long, Entry> entries = new TreeMap<>();
        private long roomBytes;

        private Room(Path roomDir) {
            this.roomDir = roomDir;
        }

        /**
         * Spools a finished segment if the policy lets it in.
         *
         * @return the policy's decision: {@link SpoolPolicy.Decision#SPOOL} when the segment is on disk now
         */
        public synchronized SpoolPolicy.Decision put(String key, SegmentDone done, String crc32c, byte[] data,
                                                     int length) throws IOException {
            SpoolPolicy.Decision decision = policy.decide(roomBytes, bytes.get(), length);
            if (decision != SpoolPolicy.Decision.SPOOL) {
                lost.increment();
                return decision;
            }
            Files.createDirectories(roomDir);
            Path file = roomDir.resolve("seg_%06d.ts".formatted(done.sequence()));
            Path tmp = roomDir.resolve(file.getFileName() + ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                out.write(data, 0, length); // no copy of the live part: the caller reuses its buffer
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            entries.put(done.sequence(), new Entry(done.sequence(), key, done, crc32c, file, length));
            roomBytes += length;
            highWater.accumulateAndGet(bytes.addAndGet(length), Math::max);
            segments.incrementAndGet();
            spooled.increment();
            notifyAll();
            logLevel();
            return decision;
        }

        /** The lowest sequence spooled, or empty. */
        public synchronized Optional<Entry> first() {
            return entries.isEmpty() ? Optional.empty() : Optional.of(entries.firstEntry().getValue());
        }

        /** Waits up to {@code timeoutMillis} for a segment to be spooled. */
        public synchronized Optional<Entry> awaitFirst(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (entries.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return Optional.empty();
                }
                wait(left);
            }
            return first();
        }

        /**
         * The segment's file, checked to hold all its bytes. Puts stream from it rather than from an array: a
         * segment-sized array held across a put's retries while S3 is down outlives the 8 MB young generation and
         * ends up as old-generation garbage.
         */
        public Path file(Entry e) throws IOException {
            long size = Files.size(e.file());
            if (size != e.bytes()) {
                throw new IOException("the spool file of " + e.key() + " holds " + size + " of its " + e.bytes()
                        + " bytes");
            }
            return e.file();
        }

        /** The segment is in S3 now: it leaves the spool. */
        public synchronized void remove(Entry e) {
            if (entries.remove(e.sequence(), e)) {
                release(e);
                notifyAll();
            }
        }

        public synchronized boolean isEmpty() {
            return entries.isEmpty();
        }

        public synchronized long bytes() {
            return roomBytes;
        }

        /** Waits up to {@code timeoutMillis} for the spool to be drained; true if it is. */
        public synchronized boolean awaitEmpty(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (!entries.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
        }

        /** Deletes what is still spooled (lost: the recording ended before S3 took it) and returns it. */
        public synchronized List<Entry> discard() {
            List<Entry> left = new ArrayList<>(entries.values());
            entries.clear();
            for (Entry e : left) {
                release(e);
                lost.increment();
            }
            try {
                Files.deleteIfExists(roomDir);
            } catch (IOException e) {
                log.warn("could not delete the spool directory {}: {}", roomDir, e.toString());
            }
            notifyAll();
            return left;
        }

        private void release(Entry e) {
            roomBytes -= e.bytes();
            bytes.addAndGet(-e.bytes());
            segments.decrementAndGet();
            logLevel();
            try {
                Files.deleteIfExists(e.file());
            } catch (IOException ex) {
                log.warn("could not delete the spooled segment {}: {}", e.file(), ex.toString());
            }
        }
    }
}
