package dev.mintrecorder.worker.memory;

/**
 * One sample of the process's memory.
 *
 * @param rssBytes resident set size (VmRSS in /proc/self/status): what the container's limit counts
 * @param heapBytes JVM heap in use
 * @param directBytes the JVM's direct buffers
 * @param javacppBytes what JavaCPP has allocated and tracks (FFmpeg frames, packets, contexts)
 */
public record ProcessMemory(long rssBytes, long heapBytes, long directBytes, long javacppBytes) {}
