package dev.mintrecorder.bench;

import dev.mintrecorder.devstack.Proc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Samples one process's RSS and CPU seconds on a fixed period, for plots and growth rates. */
final class Sampler implements AutoCloseable {
    /** One sample: seconds since the sampler started, RSS bytes, CPU seconds of the process. */
    record Sample(double t, long rssBytes, double cpuSeconds) {
        double rssMb() {
            return rssBytes / 1e6;
        }
    }

    private final long pid;
    private final long t0 = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("sampler").daemon().factory());

    Sampler(long pid, long periodMillis) {
        this.pid = pid;
        timer.scheduleAtFixedRate(this::sample, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        long rss = Proc.rssBytes(pid);
        double cpu = Proc.cpuSeconds(pid);
        if (rss >= 0) {
            synchronized (samples) {
                samples.add(new Sample((System.nanoTime() - t0) / 1e9, rss, cpu));
            }
        }
    }

    double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    List<Sample> between(double from, double to) {
        return samples().stream().filter(s -> s.t() >= from && s.t() <= to).toList();
    }

    long peakRss() {
        return samples().stream().mapToLong(Sample::rssBytes).max().orElse(0);
    }

    List<double[]> rssMbSeries() {
        return samples().stream().map(s -> new double[] {s.t(), s.rssMb()}).toList();
    }

    /**
     * The Theil–Sen slope of RSS in MB per minute (the median of the slopes between all pairs of samples): robust
     * to the single GC spike a least-squares fit would chase.
     */
    static double growthMbPerMinute(List<Sample> window) {
        return slopePerMinute(window.stream().mapToDouble(Sample::t).toArray(),
                window.stream().mapToDouble(Sample::rssMb).toArray());
    }

    /** The Theil–Sen slope of {@code y} over {@code x} seconds, per minute. */
    static double slopePerMinute(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return 0;
        }
        double[] slopes = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dt = x[j] - x[i];
                slopes[k++] = dt <= 0 ? 0 : (y[j] - y[i]) / dt;
            }
        }
        java.util.Arrays.sort(slopes, 0, k);
        double median = k % 2 == 1 ? slopes[k / 2] : (slopes[k / 2 - 1] + slopes[k / 2]) / 2;
        return median * 60;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
