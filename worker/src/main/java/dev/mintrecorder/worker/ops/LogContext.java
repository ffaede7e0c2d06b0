package dev.mintrecorder.worker.ops;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Map;

/**
 * How every JSON log line carries {@code worker_id}, and every line of a recording {@code mint_id} and {@code job_id}.
 * <ul>
 *   <li>{@code worker_id}: {@link #workerId(String)} puts it in logback's context properties once at start; the
 *       encoder writes them on every line, from every thread.</li>
 *   <li>{@code mint_id} / {@code job_id}: the MDC, which is per thread. A thread that works for one recording (the
 *       room loop, the encoder thread, the session's command loop) opens {@link #recording(String, String)} at its
 *       start; a task handed to a shared thread (an SDK callback, an executor) is wrapped with
 *       {@link #propagate(Runnable)} where it is submitted.</li>
 * </ul>
 */
public final class LogContext {
    public static final String WORKER_ID = "worker_id";
    public static final String MINT_ID = "mint_id";
    public static final String JOB_ID = "job_id";

    private LogContext() {}

    /** Sets {@code worker_id} on every line from now on (when logback is the SLF4J backend). */
    public static void workerId(String workerId) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            context.putProperty(WORKER_ID, workerId);
        }
    }

    /** Puts the recording's ids in this thread's MDC until the scope closes (then the previous values return). */
    public static Scope recording(String mintId, String jobId) {
        String oldMint = MDC.get(MINT_ID);
        String oldJob = MDC.get(JOB_ID);
        MDC.put(MINT_ID, mintId);
        MDC.put(JOB_ID, jobId);
        return () -> {
            restore(MINT_ID, oldMint);
            restore(JOB_ID, oldJob);
        };
    }

    /** {@code task} running with the caller's MDC (captured now) on whichever thread runs it. */
    public static Runnable propagate(Runnable task) {
        Map<String, String> captured = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> previous = MDC.getCopyOfContextMap();
            if (captured == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(captured);
            }
            try {
                task.run();
            } finally {
                if (previous == null) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(previous);
                }
            }
        };
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    /** An MDC scope; closing it cannot fail. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
