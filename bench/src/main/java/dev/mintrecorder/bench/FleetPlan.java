package dev.mintrecorder.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One fleet to run: {@code workers} simulated workers of {@code rooms} slots each, spread over {@code jvms} child
 * JVMs, given {@code jobs} recordings in all at {@code ratePerS} jobs per second. With {@code victimJobs} > 0 one more
 * JVM hosts a single worker of that many slots that takes the first {@code victimJobs} jobs before the others start,
 * and is SIGKILLed after the steady window.
 */
record FleetPlan(String name, int workers, int rooms, int jobs, int jvms, int victimJobs, double ratePerS,
                 Duration steady, String childHeap, Map<String, String> jobsEnv) {

    /** The worker ids of fleet JVM {@code jvm} (0-based): the workers dealt round-robin. */
    List<String> workerIds(int jvm) {
        List<String> ids = new ArrayList<>();
        for (int w = jvm; w < workers; w += jvms) {
            ids.add(String.format(java.util.Locale.ROOT, "%s-w%03d", name, w));
        }
        return ids;
    }

    String victimId() {
        return name + "-victim";
    }

    int slots() {
        return workers * rooms + victimJobs;
    }

    static int env(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }
}
