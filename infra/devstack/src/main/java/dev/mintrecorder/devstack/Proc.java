package dev.mintrecorder.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Figures of another process read from {@code /proc}: the benchmarks and the demo measure the worker's own process
 * (a {@link ChildJvm}), never their own JVM (which also runs the devstack) nor the publishers' media process.
 */
public final class Proc {
    /** USER_HZ: the unit of utime/stime in /proc/[pid]/stat. 100 on every Linux x86_64 kernel. */
    public static final double TICKS_PER_SECOND = 100.0;

    private Proc() {
    }

    /** VmRSS in bytes, or -1 when the process is gone. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** utime + stime of the whole process (all threads) in seconds, or -1 when it is gone. */
    public static double cpuSeconds(long pid) {
        try {
            return cpuOfStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return -1;
        }
    }

    /** utime + stime from a stat line; the command name may hold spaces, so fields are counted after its ')'. */
    public static double cpuOfStat(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // After ')': state(0) ppid … utime is field 14 of the full line, i.e. index 11 here; stime index 12.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    /**
     * CPU seconds per thread group of {@code pid}, keyed by thread name with digits folded ({@code encoder-3f9a} and
     * {@code encoder-77c1} count together), to say where the time goes: libwebrtc's decoder threads, x264's, the JVM's.
     */
    public static Map<String, Double> cpuByThread(long pid) {
        Map<String, Double> out = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    out.merge(threadGroup(name), cpuOfStat(stat), Double::sum);
                } catch (IOException e) {
                    // the thread ended while listing
                }
            });
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    public static String threadGroup(String name) {
        // "encoder-3f9a1c" (a job id) and "ForkJoinPool-1-worker-3" keep their stem; other digits fold to '#'.
        String stem = name.replaceAll("-[^-]*[0-9][^-]*(-.*)?$", "-*");
        String folded = stem.replaceAll("[0-9]+", "#").trim();
        return folded.isEmpty() ? "?" : folded;
    }

    /** The 1, 5 and 15 minute load averages. */
    public static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
