package dev.mintrecorder.worker.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** TEST ONLY: counts the sessions running per worker and the most that ever ran at once. */
final class SessionTracker {
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> highWater = new ConcurrentHashMap<>();
    private final AtomicInteger started = new AtomicInteger();

    void started(SessionContext c) {
        int now = running.computeIfAbsent(c.workerId(), w -> new AtomicInteger()).incrementAndGet();
        highWater.computeIfAbsent(c.workerId(), w -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        started.incrementAndGet();
    }

    void ended(SessionContext c) {
        running.get(c.workerId()).decrementAndGet();
    }

    int running(String workerId) {
        AtomicInteger n = running.get(workerId);
        return n == null ? 0 : n.get();
    }

    int highWater(String workerId) {
        AtomicInteger n = highWater.get(workerId);
        return n == null ? 0 : n.get();
    }

    int started() {
        return started.get();
    }
}
