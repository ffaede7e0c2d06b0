package dev.mintrecorder.worker.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryBudgetTest {
    @TempDir
    Path dir;

    @Test
    void aConfiguredBudgetWins() throws IOException {
        Path v2 = write("memory.max", "1073741824\n");
        assertEquals(123, MemoryBudget.resolve(123, v2, dir.resolve("none")));
    }

    @Test
    void eightyPercentOfTheCgroupV2Limit() throws IOException {
        Path v2 = write("memory.max", "1073741824\n");
        assertEquals((long) (1073741824 * 0.8), MemoryBudget.resolve(0, v2, dir.resolve("none")));
    }

    @Test
    void cgroupV2WithoutALimitMeansTheDefault() throws IOException {
        Path v2 = write("memory.max", "max\n");
        Path v1 = write("limit", "1073741824\n");
        assertEquals(MemoryBudget.DEFAULT_BYTES, MemoryBudget.resolve(0, v2, v1));
    }

    @Test
    void cgroupV1LimitWhenThereIsNoV2() throws IOException {
        Path v1 = write("limit", "2147483648\n");
        assertEquals((long) (2147483648L * 0.8), MemoryBudget.resolve(0, dir.resolve("none"), v1));
        Path unlimited = write("unlimited", "9223372036854771712\n");
        assertEquals(MemoryBudget.DEFAULT_BYTES, MemoryBudget.resolve(0, dir.resolve("none"), unlimited));
    }

    @Test
    void noCgroupAtAllMeansTheDefault() {
        assertEquals(MemoryBudget.DEFAULT_BYTES, MemoryBudget.resolve(0, dir.resolve("a"), dir.resolve("b")));
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
