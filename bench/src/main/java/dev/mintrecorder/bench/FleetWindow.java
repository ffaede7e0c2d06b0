package dev.mintrecorder.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-worker Kafka client costs over a steady window, from two {@link FleetSnapshot}s of each fleet JVM. A client
 * belongs to the worker whose id, plus {@code -}, starts its client id (every client the job engine makes is named so);
 * any other client is counted as unattributed.
 *
 * @param workers workers measured
 * @param perWorker each worker's figures
 * @param roles per client role (the client id after the worker id, digits as {@code *}): clients and rates per worker
 * @param unattributedClients clients that belong to no worker
 */
record FleetWindow(int workers, List<Worker> perWorker, Map<String, Role> roles, int unattributedClients) {

    /**
     * One worker's clients and read rates over the window.
     *
     * @param viewBytesPerS record bytes/s fetched by its plain consumers: the status, control and any lease views
     * @param shareBytesPerS record bytes/s fetched by its share consumers (jobs)
     * @param incomingBytesPerS network bytes/s received by all its clients
     */
    record Worker(String id, int clients, int consumers, int shareConsumers, double viewBytesPerS,
                  double shareBytesPerS, double incomingBytesPerS) {
    }

    /** One client role: its kind, clients per worker, and per-worker record and network read rates (means). */
    record Role(String kind, double clientsPerWorker, double recordBytesPerS, double incomingBytesPerS) {
    }

    /** A JVM's snapshots at the start and the end of the window, and the worker ids it hosts. */
    record Jvm(List<String> workerIds, FleetSnapshot start, FleetSnapshot end) {
    }

    static FleetWindow of(List<Jvm> jvms) {
        List<Worker> workers = new ArrayList<>();
        Map<String, double[]> roleSums = new TreeMap<>();
        Map<String, String> roleKinds = new TreeMap<>();
        int unattributed = 0;
        for (Jvm jvm : jvms) {
            double seconds = Math.max(1e-3, (jvm.end().atMillis() - jvm.start().atMillis()) / 1000.0);
            Map<String, FleetSnapshot.ClientStat> before = new LinkedHashMap<>();
            jvm.start().clients().forEach(c -> before.put(c.clientId(), c));
            Map<String, List<FleetSnapshot.ClientStat>> mine = new LinkedHashMap<>();
            jvm.workerIds().forEach(id -> mine.put(id, new ArrayList<>()));
            for (FleetSnapshot.ClientStat c : jvm.end().clients()) {
                String owner = jvm.workerIds().stream().filter(id -> c.clientId().startsWith(id + "-"))
                        .max(java.util.Comparator.comparingInt(String::length)).orElse(null);
                if (owner == null) {
                    unattributed++;
                } else {
                    mine.get(owner).add(c);
                }
            }
            for (var e : mine.entrySet()) {
                int consumers = 0;
                int share = 0;
                double view = 0;
                double shareBytes = 0;
                double incoming = 0;
                for (FleetSnapshot.ClientStat c : e.getValue()) {
                    FleetSnapshot.ClientStat b = before.getOrDefault(c.clientId(),
                            new FleetSnapshot.ClientStat(c.clientId(), c.kind(), 0, 0));
                    double rec = (c.recordBytes() - b.recordBytes()) / seconds;
                    double in = (c.incomingBytes() - b.incomingBytes()) / seconds;
                    String role = c.clientId().substring(e.getKey().length() + 1).replaceAll("\\d+", "*");
                    roleKinds.put(role, c.kind());
                    double[] sums = roleSums.computeIfAbsent(role, k -> new double[3]);
                    sums[0]++;
                    sums[1] += rec;
                    sums[2] += in;
                    incoming += in;
                    if (c.kind().equals("share")) {
                        share++;
                        consumers++;
                        shareBytes += rec;
                    } else if (c.kind().equals("consumer")) {
                        consumers++;
                        view += rec;
                    }
                }
                workers.add(new Worker(e.getKey(), e.getValue().size(), consumers, share, view, shareBytes, incoming));
            }
        }
        int n = Math.max(1, workers.size());
        Map<String, Role> roles = new LinkedHashMap<>();
        roleSums.forEach((role, s) -> roles.put(role, new Role(roleKinds.get(role), s[0] / n, s[1] / n, s[2] / n)));
        return new FleetWindow(workers.size(), workers, roles, unattributed);
    }

    double mean(java.util.function.ToDoubleFunction<Worker> f) {
        return perWorker.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    double max(java.util.function.ToDoubleFunction<Worker> f) {
        return perWorker.stream().mapToDouble(f).max().orElse(Double.NaN);
    }
}
