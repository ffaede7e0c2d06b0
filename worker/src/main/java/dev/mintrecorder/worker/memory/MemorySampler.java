package dev.mintrecorder.worker.memory;

import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Samples the process's memory. {@link #jvm()} is the real one; tests give figures of their own. */
@FunctionalInterface
public interface MemorySampler {

    ProcessMemory sample();

    /** RSS from /proc/self/status (JavaCPP's physical bytes where /proc is missing), heap, direct, JavaCPP. */
    static MemorySampler jvm() {
        return new Jvm();
    }

    final class Jvm implements MemorySampler {
        private static final Logger log = LoggerFactory.getLogger(MemorySampler.class);
        private static final Path STATUS = Path.of("/proc/self/status");

        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElse(null);
        private boolean javacppMissing;

        private Jvm() {}

        @Override
        public ProcessMemory sample() {
            long rss = vmRss();
            if (rss < 0) {
                rss = javacpp(true);
            }
            return new ProcessMemory(Math.max(0, rss), memory.getHeapMemoryUsage().getUsed(),
                    direct == null ? 0 : direct.getMemoryUsed(), javacpp(false));
        }

        /** VmRSS of this process in bytes, or -1 where /proc is missing. */
        public static long vmRss() {
            try {
                List<String> lines = Files.readAllLines(STATUS);
                for (String line : lines) {
                    if (line.startsWith("VmRSS:")) {
                        String[] parts = line.substring(6).trim().split("\\s+");
                        return Long.parseLong(parts[0]) * 1024; // the kernel writes kB
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux: the caller falls back to JavaCPP's figure.
            }
            return -1;
        }

        /** JavaCPP's RSS ({@code physical}) or tracked allocations; 0 if its native library cannot load here. */
        private long javacpp(boolean physical) {
            if (javacppMissing) {
                return 0;
            }
            try {
                return physical ? Pointer.physicalBytes() : Pointer.totalBytes();
            } catch (LinkageError e) {
                javacppMissing = true;
                log.warn("JavaCPP's memory figures are not available: {}", e.toString());
                return 0;
            }
        }
    }
}
