package dev.mintrecorder.worker.room;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A room's loop: one virtual thread that runs every task of the room, posted or timed, with the recording's ids in
 * the MDC. A task's escaped exception goes to the room's failure handler instead of killing the thread. Pending
 * timers are dropped, not run, when the loop stops.
 */
final class RoomLoop implements SignalLink.Loop {
    private static final Logger log = LoggerFactory.getLogger(RoomLoop.class);

    private final RoomRequest request;
    private final ScheduledThreadPoolExecutor executor;
    private final Consumer<RuntimeException> failed;

    /** @param failed called on the loop with an exception a task let escape */
    RoomLoop(RoomRequest request, Consumer<RuntimeException> failed) {
        this.request = request;
        this.failed = failed;
        this.executor = new ScheduledThreadPoolExecutor(1, Thread.ofVirtual().name("room-" + request.room()).factory());
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
    }

    /** Runs {@code task} on the loop; dropped (logged at debug) once the loop has stopped. */
    @Override
    public void post(Runnable task) {
        try {
            executor.execute(() -> run(task));
        } catch (RejectedExecutionException stopped) {
            log.debug("room loop stopped; dropped a task");
        }
    }

    /** Like {@link #post}, but says whether the loop still took it. */
    boolean offer(Runnable task) {
        try {
            executor.execute(() -> run(task));
            return true;
        } catch (RejectedExecutionException stopped) {
            return false;
        }
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        return executor.schedule(() -> run(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public ScheduledFuture<?> every(Runnable task, Duration period) {
        return executor.scheduleWithFixedDelay(() -> run(task), period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Lets the tasks already posted run, then stops; waits up to {@code grace}, then interrupts what is left. */
    void stop(Duration grace) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("room {} loop did not stop in time", request.room());
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(Runnable task) {
        MDC.put("mint_id", request.mintId());
        MDC.put("job_id", request.jobId());
        MDC.put("room", request.room());
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("room loop task failed", e);
            failed.accept(e);
        } finally {
            MDC.remove("mint_id");
            MDC.remove("job_id");
            MDC.remove("room");
        }
    }
}
