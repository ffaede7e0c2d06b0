package dev.mintrecorder.worker.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Where the governor's budget comes from: the configured figure, else 80% of the container's cgroup memory limit,
 * else {@link #DEFAULT_BYTES}.
 */
public final class MemoryBudget {
    /** Used when nothing is configured and the process has no cgroup limit (a developer's machine): 2 GiB. */
    public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;
    /** The share of the cgroup limit the budget takes; the rest is left for what RSS does not show in time. */
    public static final double CGROUP_SHARE = 0.8;

    static final Path CGROUP_V2_MAX = Path.of("/sys/fs/cgroup/memory.max");
    static final Path CGROUP_V1_LIMIT = Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    /** cgroup v1 reports "no limit" as a huge page-aligned number; anything above this means no limit. */
    private static final long V1_UNLIMITED = 1L << 60;

    private MemoryBudget() {}

    /** The budget for this process: {@code configured} when above 0, else derived from the cgroup files. */
    public static long resolve(long configured) {
        return resolve(configured, CGROUP_V2_MAX, CGROUP_V1_LIMIT);
    }

    static long resolve(long configured, Path v2Max, Path v1Limit) {
        if (configured > 0) {
            return configured;
        }
        OptionalLong limit = cgroupLimit(v2Max, v1Limit);
        return limit.isPresent() ? (long) (limit.getAsLong() * CGROUP_SHARE) : DEFAULT_BYTES;
    }

    /** The cgroup memory limit, v2 first; empty when there is none ("max") or no cgroup file is readable. */
    static OptionalLong cgroupLimit(Path v2Max, Path v1Limit) {
        OptionalLong v2 = read(v2Max);
        if (v2.isPresent() || Files.isReadable(v2Max)) {
            return v2;
        }
        OptionalLong v1 = read(v1Limit);
        return v1.isPresent() && v1.getAsLong() < V1_UNLIMITED ? v1 : OptionalLong.empty();
    }

    private static OptionalLong read(Path file) {
        try {
            String text = Files.readString(file).strip();
            if (text.isEmpty() || text.equals("max")) {
                return OptionalLong.empty();
            }
            long value = Long.parseLong(text);
            return value > 0 ? OptionalLong.of(value) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
