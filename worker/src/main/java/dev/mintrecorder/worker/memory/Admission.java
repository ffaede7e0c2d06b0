package dev.mintrecorder.worker.memory;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Whether this worker may take one more job, counting what it has already promised (as LiveKit Egress's
 * {@code stats/monitor.go} does): current RSS + the reserved cost of rooms still starting + one room's cost + a
 * headroom must fit the budget. A room's memory shows in RSS only once it runs, so until then its cost is reserved.
 *
 * <pre>{@code
 * Optional<Admission.Reservation> r = admission.tryReserve();   // before polling for a job
 * if (r.isEmpty()) { wait; return; }
 * ... no job came: r.get().close();
 * ... job taken: r.get().forJob(jobId); close() it when the attempt ends (harmless if already released)
 * }</pre>
 * A room reports running by registering in {@link RoomMemoryRegistry} (the pipeline does so once the room is JOINED and
 * recording); {@link WorkerMemory} then calls {@link #running(UUID)}, which releases that job's reservation.
 *
 * The memory governor pauses admission at CRITICAL and resumes it when the level falls. Thread-safe.
 */
public final class Admission {
    private final long budgetBytes;
    private final long roomCostBytes;
    private final long headroomBytes;
    private final LongSupplier rssBytes;
    private final AtomicBoolean paused = new AtomicBoolean();
    private final Map<UUID, Reservation> byJob = new ConcurrentHashMap<>();
    private long reservedBytes;

    public Admission(long budgetBytes, long roomCostBytes, long headroomBytes, LongSupplier rssBytes) {
        this.budgetBytes = budgetBytes;
        this.roomCostBytes = roomCostBytes;
        this.headroomBytes = headroomBytes;
        this.rssBytes = rssBytes;
    }

    /** Admits every job (no memory budget): for tools and tests that run a job engine without a governor. */
    public static Admission unlimited() {
        return new Admission(Long.MAX_VALUE, 0, 0, () -> 0);
    }

    /** Reserves one room's cost if it fits and intake is not paused; empty otherwise. */
    public Optional<Reservation> tryReserve() {
        if (paused.get()) {
            return Optional.empty();
        }
        long rss = rssBytes.getAsLong();
        synchronized (this) {
            if (rss + reservedBytes + roomCostBytes + headroomBytes > budgetBytes) {
                return Optional.empty();
            }
            reservedBytes += roomCostBytes;
        }
        return Optional.of(new Reservation());
    }

    /** Why a job would not be taken now; empty when one would be. Does not reserve. */
    public Optional<String> refusal() {
        if (paused.get()) {
            return Optional.of("intake paused by the memory governor");
        }
        long rss = rssBytes.getAsLong();
        long reserved = reservedBytes();
        long needed = rss + reserved + roomCostBytes + headroomBytes;
        return needed > budgetBytes
                ? Optional.of("memory: rss " + rss + " + reserved " + reserved + " + room " + roomCostBytes
                + " + headroom " + headroomBytes + " > budget " + budgetBytes)
                : Optional.empty();
    }

    /** The job's room runs: its memory now shows in RSS, so its reservation (if any) is released. */
    public void running(UUID jobId) {
        Reservation r = byJob.get(jobId);
        if (r != null) {
            r.close();
        }
    }

    /** Stops admitting (the governor at CRITICAL). */
    public void pause() {
        paused.set(true);
    }

    public void resume() {
        paused.set(false);
    }

    public boolean paused() {
        return paused.get();
    }

    /** The cost reserved for rooms taken but not yet running. */
    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    private synchronized void release() {
        reservedBytes -= roomCostBytes;
    }

    /**
     * One room's reserved cost, held from before the job is taken until its room runs (its memory is then in RSS) or
     * the attempt ends. Releasing twice is harmless.
     */
    public final class Reservation implements AutoCloseable {
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile UUID jobId;

        private Reservation() {}

        /** Names the job this reservation was taken for, so {@link Admission#running(UUID)} can release it. */
        public Reservation forJob(UUID job) {
            this.jobId = job;
            byJob.put(job, this);
            if (released.get()) {
                byJob.remove(job, this);
            }
            return this;
        }

        /** The room runs: its memory now shows in RSS, so the reservation is released. */
        public void running() {
            close();
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release();
                UUID job = jobId;
                if (job != null) {
                    byJob.remove(job, this);
                }
            }
        }
    }
}
